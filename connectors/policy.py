"""Everything one provider's calls go through: retry policy, circuit breaker, rate limiter.

A connector client holds one `ProviderPolicy` and runs each operation through
`policy.run(...)`. Every attempt, retries included, takes a slot in each of
its `Quota`s (the provider's documented limits, through the policy's
`Limiter`: shared across replicas in deployed roles) and in the provider-wide
`rate_limit`, then asks the breaker, so retries are limited like any other
call and an open breaker cuts a retry loop short.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from connectors.breaker import BreakerSettings, CircuitBreaker
from connectors.rate_limit import Limiter, LocalLimiter, Quota, RateLimit, RateLimiter
from connectors.retry import Clock, RetryPolicy, RetrySettings, Sleep

T = TypeVar("T")


class PolicySettings(BaseModel):
    """Retry, breaker and outbound rate limit of one provider."""

    model_config = ConfigDict(frozen=True)

    retry: RetrySettings = Field(default_factory=RetrySettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    rate_limit: RateLimit | None = None
    # How long an attempt may wait for a rate-limit slot before surfacing RateLimited.
    max_rate_wait_seconds: float = Field(default=1.0, ge=0)


class ProviderPolicy:
    """Retries, breaker and limiter for one provider, shared by all its operations."""

    def __init__(
        self,
        provider: str,
        settings: PolicySettings | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        limiter: Limiter | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings or PolicySettings()
        # Where `Quota`s are counted: this process unless a shared limiter is handed in.
        self.quota_limiter: Limiter = limiter or LocalLimiter(provider, clock=clock, sleep=sleep)
        self.retry = RetryPolicy(provider, self.settings.retry, clock=clock, sleep=sleep, rng=rng)
        self.breaker = CircuitBreaker(provider, self.settings.breaker, clock=clock)
        self.limiter = (
            RateLimiter(provider, self.settings.rate_limit, clock=clock, sleep=sleep)
            if self.settings.rate_limit is not None
            else None
        )

    async def run(
        self,
        operation: str,
        attempt: Callable[[], Awaitable[T]],
        *,
        idempotent: bool = True,
        quotas: Sequence[Quota] = (),
    ) -> T:
        """Run one operation: retried per policy, each attempt gated by limits and breaker."""

        async def guarded() -> T:
            for quota in quotas:
                wait = (
                    self.settings.max_rate_wait_seconds
                    if quota.max_wait is None
                    else quota.max_wait
                )
                await self.quota_limiter.acquire(
                    quota.bucket, quota.rate, operation=operation, max_wait=wait
                )
            if self.limiter is not None:
                await self.limiter.acquire(operation, max_wait=self.settings.max_rate_wait_seconds)
            self.breaker.before_call(operation)
            try:
                result = await attempt()
            except asyncio.CancelledError:
                self.breaker.abandon()
                raise
            except Exception as exc:
                self.breaker.record(exc)
                raise
            self.breaker.record(None)
            return result

        return await self.retry.call(operation, guarded, idempotent=idempotent)

    def snapshot(self) -> dict[str, Any]:
        """Breaker state and retry budget use, for health checks and ops."""
        breaker = self.breaker.snapshot()
        return {
            "provider": self.provider,
            "breaker": breaker.state.value,
            "consecutive_failures": breaker.consecutive_failures,
            "window_calls": breaker.window_calls,
            "window_failures": breaker.window_failures,
            "retry_after_seconds": breaker.retry_after_seconds,
            "times_opened": breaker.times_opened,
            "retry_budget": self.retry.budget.stats(),
        }
