"""The one place retry policies are made (tenacity), so every connector retries the same way.

A policy retries only `TransientError` (and its `RateLimited`), waits with
exponential backoff and full jitter, honours a provider's `Retry-After` up to
`max_retry_after` (a longer wait is raised as `RateLimited` so the job goes
back to its queue instead of holding a worker), stops at `max_attempts` or
when the next wait would cross the deadline, and logs one line per retry.

A `RetryBudget` per provider caps retries at about `ratio` of the calls made
over a sliding window (plus a small floor so a quiet provider can still
retry), so a provider outage does not multiply our load on it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, RetryCallState

from connectors.errors import RateLimited, TransientError

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RetrySettings(BaseModel):
    """How hard one provider's calls are retried."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=3, ge=1, le=10)
    base_delay_seconds: float = Field(default=0.2, gt=0)
    max_delay_seconds: float = Field(default=5.0, gt=0)
    # A Retry-After longer than this is not slept on: the caller re-queues instead.
    max_retry_after_seconds: float = Field(default=10.0, ge=0)
    deadline_seconds: float = Field(default=30.0, gt=0)
    budget_ratio: float = Field(default=0.1, ge=0, le=1)
    budget_window_seconds: float = Field(default=60.0, gt=0)
    # Retries always allowed per window, so a provider called rarely can still retry.
    budget_floor: int = Field(default=10, ge=0)


class RetryBudget:
    """Allows retries while they stay within `ratio` of calls over a sliding window."""

    _BUCKETS = 10

    def __init__(
        self, *, ratio: float, window_seconds: float, floor: int, clock: Clock = time.monotonic
    ) -> None:
        self._ratio = ratio
        self._floor = floor
        self._bucket_seconds = window_seconds / self._BUCKETS
        self._clock = clock
        # Ring of (bucket index, calls, retries); stale buckets are reset on use.
        self._index = [-1] * self._BUCKETS
        self._calls = [0] * self._BUCKETS
        self._retries = [0] * self._BUCKETS

    def _slot(self) -> int:
        bucket = math.floor(self._clock() / self._bucket_seconds)
        slot = bucket % self._BUCKETS
        if self._index[slot] != bucket:
            self._index[slot] = bucket
            self._calls[slot] = 0
            self._retries[slot] = 0
        return slot

    def _totals(self) -> tuple[int, int]:
        current = math.floor(self._clock() / self._bucket_seconds)
        calls = retries = 0
        for slot in range(self._BUCKETS):
            if current - self._index[slot] < self._BUCKETS:
                calls += self._calls[slot]
                retries += self._retries[slot]
        return calls, retries

    def record_call(self) -> None:
        """Count one first attempt."""
        self._calls[self._slot()] += 1

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when the window's allowance is used up."""
        calls, retries = self._totals()
        if retries >= self._floor + self._ratio * calls:
            return False
        self._retries[self._slot()] += 1
        return True

    def stats(self) -> dict[str, int]:
        """Calls and retries in the current window, for health and ops."""
        calls, retries = self._totals()
        return {"calls": calls, "retries": retries}


class RetryPolicy:
    """Runs one provider operation with the provider's retry rules."""

    def __init__(
        self,
        provider: str,
        settings: RetrySettings | None = None,
        *,
        budget: RetryBudget | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.provider = provider
        self.settings = settings or RetrySettings()
        self.budget = budget or RetryBudget(
            ratio=self.settings.budget_ratio,
            window_seconds=self.settings.budget_window_seconds,
            floor=self.settings.budget_floor,
            clock=clock,
        )
        self._clock = clock
        self._sleep = sleep
        self._rng = rng

    async def call(
        self,
        operation: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool = True,
    ) -> T:
        """Run `attempt` until it succeeds or the policy gives up, re-raising the last error.

        A non-idempotent operation is not retried after an ambiguous failure (the
        provider may have acted on it), only after failures known to be unprocessed.
        """
        settings = self.settings
        started = self._clock()
        self.budget.record_call()

        def should_retry(state: RetryCallState) -> bool:
            error = _failure(state)
            if not isinstance(error, TransientError):
                return False
            if error.ambiguous and not idempotent:
                return False
            if isinstance(error, RateLimited) and error.retry_after is not None:
                return error.retry_after <= settings.max_retry_after_seconds
            return True

        def wait(state: RetryCallState) -> float:
            error = _failure(state)
            if isinstance(error, RateLimited) and error.retry_after is not None:
                return error.retry_after
            ceiling = min(
                settings.max_delay_seconds,
                settings.base_delay_seconds * 2.0 ** (state.attempt_number - 1),
            )
            return float(self._rng() * ceiling)  # full jitter

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= settings.max_attempts:
                return True
            elapsed = self._clock() - started
            if elapsed + (state.upcoming_sleep or 0.0) > settings.deadline_seconds:
                return True
            if not self.budget.try_spend():
                log.debug(
                    "retry budget exhausted",
                    extra={"provider": self.provider, "operation": operation},
                )
                return True
            return False

        def before_sleep(state: RetryCallState) -> None:
            error = _failure(state)
            log.warning(
                "retrying provider call",
                extra={
                    "provider": self.provider,
                    "operation": operation,
                    "attempt": state.attempt_number,
                    "wait_seconds": round(state.upcoming_sleep or 0.0, 3),
                    "error_type": type(error).__name__,
                    "status": getattr(error, "status", None),
                },
            )

        retrying = AsyncRetrying(
            sleep=self._sleep,
            retry=should_retry,
            wait=wait,
            stop=stop,
            before_sleep=before_sleep,
            reraise=True,
        )
        return await retrying(attempt)


def _failure(state: RetryCallState) -> BaseException | None:
    outcome = state.outcome
    if outcome is None or not outcome.failed:
        return None
    return outcome.exception()
