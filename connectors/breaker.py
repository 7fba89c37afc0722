"""A circuit breaker per provider, so an outage is answered at once instead of waited on.

Closed: calls go through; the breaker opens after `consecutive_failures`
failures in a row, or when at least `min_calls` were made in the last
`window_seconds` and `failure_rate` of them failed. Open: calls are refused
with `CircuitOpen` for `open_seconds`. Half-open: up to `half_open_probes`
calls go through; a success closes the breaker, a failure opens it again.

Only transient failures (5xx, timeouts, connection errors) count against the
provider; a 4xx or a rate limit means it answered. `snapshot()` is what health
and ops read.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import CircuitOpen, RateLimited, TransientError
from connectors.retry import Clock


class BreakerState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerSettings(BaseModel):
    """When one provider's breaker opens and for how long."""

    model_config = ConfigDict(frozen=True)

    consecutive_failures: int = Field(default=5, ge=1)
    failure_rate: float = Field(default=0.5, gt=0, le=1)
    min_calls: int = Field(default=20, ge=1)
    window_seconds: float = Field(default=10.0, gt=0)
    open_seconds: float = Field(default=5.0, gt=0)
    half_open_probes: int = Field(default=1, ge=1)


@dataclass(frozen=True)
class BreakerSnapshot:
    """The breaker's state as health checks and ops tools show it."""

    provider: str
    state: BreakerState
    consecutive_failures: int
    window_calls: int
    window_failures: int
    retry_after_seconds: float
    times_opened: int


class CircuitBreaker:
    """Tracks one provider's recent failures and refuses calls while it is down."""

    _BUCKETS = 10

    def __init__(
        self,
        provider: str,
        settings: BreakerSettings | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings or BreakerSettings()
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._consecutive = 0
        self._probes_in_flight = 0
        self._times_opened = 0
        self._bucket_seconds = self.settings.window_seconds / self._BUCKETS
        self._index = [-1] * self._BUCKETS
        self._calls = [0] * self._BUCKETS
        self._failures = [0] * self._BUCKETS

    @property
    def state(self) -> BreakerState:
        """The current state, moving from open to half-open once the cool-down is over."""
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.settings.open_seconds
        ):
            self._state = BreakerState.HALF_OPEN
            self._probes_in_flight = 0
        return self._state

    def before_call(self, operation: str) -> None:
        """Let a call through or raise `CircuitOpen`; pair with `record(...)` afterwards."""
        state = self.state
        if state is BreakerState.OPEN:
            remaining = self.settings.open_seconds - (self._clock() - self._opened_at)
            raise CircuitOpen(self.provider, operation, retry_after=max(remaining, 0.0))
        if state is BreakerState.HALF_OPEN:
            if self._probes_in_flight >= self.settings.half_open_probes:
                raise CircuitOpen(self.provider, operation, retry_after=0.0)
            self._probes_in_flight += 1

    def record(self, error: BaseException | None) -> None:
        """Account for the outcome of a call that `before_call` let through."""
        if is_provider_failure(error):
            self._on_failure()
        else:
            self._on_success()

    def abandon(self) -> None:
        """Give back a half-open probe slot for a call that was cancelled before it finished."""
        if self._state is BreakerState.HALF_OPEN and self._probes_in_flight > 0:
            self._probes_in_flight -= 1

    def _on_success(self) -> None:
        self._count(failed=False)
        self._consecutive = 0
        if self._state is BreakerState.HALF_OPEN:
            self._close()

    def _on_failure(self) -> None:
        self._count(failed=True)
        self._consecutive += 1
        if self._state is BreakerState.HALF_OPEN:
            self._open()
            return
        if self._state is BreakerState.OPEN:
            return
        if self._consecutive >= self.settings.consecutive_failures:
            self._open()
            return
        calls, failures = self._window()
        if calls >= self.settings.min_calls and failures >= self.settings.failure_rate * calls:
            self._open()

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._probes_in_flight = 0
        self._times_opened += 1

    def _close(self) -> None:
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._probes_in_flight = 0
        self._index = [-1] * self._BUCKETS

    def _count(self, *, failed: bool) -> None:
        bucket = math.floor(self._clock() / self._bucket_seconds)
        slot = bucket % self._BUCKETS
        if self._index[slot] != bucket:
            self._index[slot] = bucket
            self._calls[slot] = 0
            self._failures[slot] = 0
        self._calls[slot] += 1
        self._failures[slot] += int(failed)

    def _window(self) -> tuple[int, int]:
        current = math.floor(self._clock() / self._bucket_seconds)
        calls = failures = 0
        for slot in range(self._BUCKETS):
            if current - self._index[slot] < self._BUCKETS:
                calls += self._calls[slot]
                failures += self._failures[slot]
        return calls, failures

    def snapshot(self) -> BreakerSnapshot:
        """A copy of the breaker's state for health and ops."""
        state = self.state
        calls, failures = self._window()
        remaining = 0.0
        if state is BreakerState.OPEN:
            remaining = max(self.settings.open_seconds - (self._clock() - self._opened_at), 0.0)
        return BreakerSnapshot(
            provider=self.provider,
            state=state,
            consecutive_failures=self._consecutive,
            window_calls=calls,
            window_failures=failures,
            retry_after_seconds=round(remaining, 3),
            times_opened=self._times_opened,
        )


def is_provider_failure(error: BaseException | None) -> bool:
    """True for failures that say the provider is unwell (not rate limits or 4xx)."""
    return isinstance(error, TransientError) and not isinstance(error, RateLimited)
