"""Outbound rate limits per provider and per key (for example per linked login).

A sliding log: at most `limit` calls start in any `period_seconds`. A caller
either waits for its slot (up to `max_wait`) or, when the slot is further
away, gets `RateLimited` with the exact `retry_after`, so a worker re-queues
the job rather than sleeping on it. Slots are reserved before sleeping, so
concurrent callers on one event loop never overshoot.

The limits are per process: with several replicas the provider still sees
at most `replicas x limit`, and its own 429s are handled by the retry policy.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import RateLimited
from connectors.retry import Clock, Sleep


class RateLimit(BaseModel):
    """At most `limit` calls in any `period_seconds`."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(ge=1)
    period_seconds: float = Field(gt=0)


class RateLimiter:
    """Hands out call slots per key under one `RateLimit`."""

    _PRUNE_EVERY = 1_000

    def __init__(
        self,
        provider: str,
        rate: RateLimit,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._starts: dict[str, deque[float]] = {}
        self._since_prune = 0

    def _next_slot(self, key: str, now: float) -> tuple[deque[float], float]:
        starts = self._starts.setdefault(key, deque())
        horizon = now - self.rate.period_seconds
        while starts and starts[0] <= horizon:
            starts.popleft()
        if len(starts) < self.rate.limit:
            return starts, now
        return starts, max(now, starts[-self.rate.limit] + self.rate.period_seconds)

    async def acquire(self, operation: str, key: str = "", *, max_wait: float = 0.0) -> None:
        """Take a slot for `key`, sleeping up to `max_wait` seconds, else raise `RateLimited`."""
        now = self._clock()
        self._maybe_prune(now)
        starts, slot = self._next_slot(key, now)
        wait = slot - now
        if wait > max_wait:
            raise RateLimited(self.provider, operation, retry_after=wait)
        starts.append(slot)
        if wait > 0:
            await self._sleep(wait)

    def _maybe_prune(self, now: float) -> None:
        # Forget keys (linked logins) that have been quiet for a whole period.
        self._since_prune += 1
        if self._since_prune < self._PRUNE_EVERY:
            return
        self._since_prune = 0
        horizon = now - self.rate.period_seconds
        for key in [k for k, starts in self._starts.items() if not starts or starts[-1] <= horizon]:
            del self._starts[key]
