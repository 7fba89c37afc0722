"""Outbound rate limits per provider and per key (a sender number, a linked login, ...).

A sliding log: at most `limit` calls start in any `period_seconds`. A caller
either waits for its slot (up to `max_wait`) or, when the slot is further
away, gets `RateLimited` with the exact `retry_after` (and no status: it was
our limiter, not the provider), so a worker re-queues the job rather than
sleeping on it. Slots are reserved before sleeping, so concurrent callers
never overshoot.

Two `Limiter`s, one algorithm:

- `LocalLimiter`: buckets in this process (`RateLimiter`); what tests and the
  simulator-backed tools use.
- `SharedLimiter`: buckets in Postgres (`rate_limit_buckets`, one statement per
  call through `rate_limit_acquire`), so every replica shares a provider's
  per-account limits: the provider sees at most `limit`, not `replicas x
  limit`. Slots are spaced with a small `headroom` (10 %): our clock and the
  provider's measure the same calls a few milliseconds apart, and a limit met
  exactly would then be exceeded by jitter in some of the provider's windows.

Connectors declare their providers' documented limits as `DeclaredLimit`s
(shown on the gateway's /ops page) and pass `Quota`s to `ProviderPolicy.run`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg2
from pydantic import BaseModel, ConfigDict, Field

from connectors.errors import RateLimited, TransientError
from connectors.retry import Clock, Sleep
from shared.database import Pool, connection_cursor

log = logging.getLogger(__name__)


class RateLimit(BaseModel):
    """At most `limit` calls in any `period_seconds`; `even` spaces them period/limit apart."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(ge=1)
    period_seconds: float = Field(gt=0)
    # Spread the calls evenly (the shared limiter): for per-second limits, where a burst at the
    # start of each second and a few late stragglers would put limit + 1 in some window.
    even: bool = False


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


@dataclass(frozen=True)
class DeclaredLimit:
    """A provider's documented limit as a connector applies it, for ops to read."""

    provider: str
    operation: str  # an operation name, or "*" for every call
    scope: str  # what one bucket counts: "per sender", "per linked login", "per account"
    rate: RateLimit
    source: str  # where the provider documents it


@dataclass(frozen=True)
class Quota:
    """One bucket a call must take a slot in: its name, its limit, how long it may wait."""

    bucket: str
    rate: RateLimit
    max_wait: float | None = None  # None: the policy's `max_rate_wait_seconds`


class Limiter(Protocol):
    """Hands out call slots per bucket; raises `RateLimited` when one is too far away."""

    async def acquire(
        self, bucket: str, rate: RateLimit, *, operation: str, max_wait: float
    ) -> None:
        """Wait for a slot in `bucket` (up to `max_wait` seconds) or raise `RateLimited`."""
        ...


class LocalLimiter:
    """Buckets in this process only (tests, tools, a single replica)."""

    def __init__(
        self, provider: str, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.provider = provider
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[RateLimit, RateLimiter] = {}

    async def acquire(
        self, bucket: str, rate: RateLimit, *, operation: str, max_wait: float
    ) -> None:
        """Take a slot in `bucket`, sleeping up to `max_wait`, else raise `RateLimited`."""
        limiter = self._limiters.get(rate)
        if limiter is None:
            limiter = RateLimiter(self.provider, rate, clock=self._clock, sleep=self._sleep)
            self._limiters[rate] = limiter
        await limiter.acquire(operation, bucket, max_wait=max_wait)


class SharedLimiter:
    """Buckets in Postgres, shared by every replica (see `rate_limit_acquire`)."""

    def __init__(
        self,
        pool: Pool,
        provider: str,
        *,
        headroom: float = 0.1,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._pool = pool
        self.provider = provider
        self.headroom = headroom
        self._sleep = sleep

    async def acquire(
        self, bucket: str, rate: RateLimit, *, operation: str, max_wait: float
    ) -> None:
        """Take a slot in `bucket`, sleeping up to `max_wait`, else raise `RateLimited`."""
        period = rate.period_seconds * (1 + self.headroom)
        spacing = period / rate.limit if rate.even else 0.0
        try:
            async with connection_cursor(self._pool) as cur:
                await cur.execute(
                    "SELECT rate_limit_acquire(%s, %s, %s, %s, %s)",
                    (f"{self.provider}:{bucket}", rate.limit, period, max_wait, spacing),
                )
                row = await cur.fetchone()
        except (psycopg2.Error, OSError, TimeoutError) as exc:
            # Fail closed: without the shared count we cannot promise the provider its limit.
            raise TransientError(
                self.provider, operation, f"rate limiter unavailable ({type(exc).__name__})"
            ) from None
        wait = float(row[0])
        if wait < 0:
            raise RateLimited(self.provider, operation, retry_after=-wait)
        if wait > 0:
            await self._sleep(wait)


async def bucket_usage(
    pool: Pool, prefixes: Sequence[str], *, window_seconds: float = 60.0, limit: int = 50
) -> list[dict[str, Any]]:
    """The busiest shared buckets of these providers: calls granted recently, next free slot."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "SELECT bucket, updated_at,"
            " (SELECT count(*) FROM unnest(starts) s"
            "   WHERE s > extract(epoch FROM clock_timestamp()) - %s) AS recent,"
            " greatest((SELECT max(s) FROM unnest(starts) s)"
            "   - extract(epoch FROM clock_timestamp()), 0) AS reserved_ahead"
            " FROM rate_limit_buckets WHERE split_part(bucket, ':', 1) = ANY(%s)"
            " AND updated_at > now() - make_interval(secs => %s)"
            " ORDER BY recent DESC, bucket LIMIT %s",
            (window_seconds, list(prefixes), window_seconds, limit),
        )
        return [
            {
                "bucket": bucket,
                "updated_at": updated_at,
                "recent_calls": int(recent),
                "reserved_ahead_seconds": round(float(ahead or 0), 3),
            }
            for bucket, updated_at, recent, ahead in await cur.fetchall()
        ]
