"""The shared outbound limiter on the real database: replicas together keep one limit."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import pytest

from connectors.errors import RateLimited
from connectors.rate_limit import RateLimit, SharedLimiter
from shared.database import Pool


@dataclass
class Grant:
    """Where one call's slot lies on our clock, as far as we can tell from outside the limiter.

    The database grants `slot = its now + wait`; its now falls somewhere during our query,
    so the slot lies in `[asked + wait, answered + wait]` whatever the machine's load. Our
    own wake-up after the wait can be late on a loaded machine: that lateness is the
    scheduler's, not the limiter's, and is kept out of the bounds.
    """

    asked: float
    answered: float | None = None
    wait: float = 0.0

    @property
    def earliest(self) -> float:
        return self.asked + self.wait

    @property
    def latest(self) -> float:
        assert self.answered is not None
        return self.answered + self.wait


async def test_replicas_together_never_grant_more_than_the_limit_in_any_window(pool: Pool):
    bucket = f"sender:{uuid.uuid4()}"
    period = 0.5
    rate = RateLimit(limit=5, period_seconds=period)
    grants: list[Grant] = []

    async def call() -> None:
        grant = Grant(asked=time.monotonic())
        grants.append(grant)

        async def sleep(wait: float) -> None:
            grant.answered, grant.wait = time.monotonic(), wait
            await asyncio.sleep(wait)

        # One limiter per call, on one bucket: twenty replicas that share only Postgres.
        limiter = SharedLimiter(pool, "twilio", headroom=0.1, sleep=sleep)
        await limiter.acquire(bucket, rate, operation="messages.create", max_wait=5.0)
        if grant.answered is None:  # granted at once: no sleep
            grant.answered = time.monotonic()

    await asyncio.gather(*(call() for _ in range(20)))

    grants.sort(key=lambda grant: grant.earliest)
    assert len(grants) == 20
    for i in range(len(grants) - 5):
        # Any 6 slots span at least a period: their latest bound minus the earliest is more.
        window = grants[i : i + 6]
        span = max(grant.latest for grant in window) - window[0].earliest
        assert span >= period, (i, span)
    total = max(grant.latest for grant in grants) - grants[0].earliest
    assert total >= 3 * period  # 20 calls at 5 per period: at least 3 full periods apart


async def test_a_slot_further_away_than_the_wait_is_refused_and_not_reserved(pool: Pool):
    bucket = f"item:{uuid.uuid4()}"
    rate = RateLimit(limit=2, period_seconds=60)
    limiter = SharedLimiter(pool, "plaid", headroom=0.0)
    for _ in range(2):
        await limiter.acquire(bucket, rate, operation="accounts.balance.get", max_wait=0)

    with pytest.raises(RateLimited) as refused:
        await limiter.acquire(bucket, rate, operation="accounts.balance.get", max_wait=0)
    with pytest.raises(RateLimited) as again:
        await limiter.acquire(bucket, rate, operation="accounts.balance.get", max_wait=0)

    assert 59 < (refused.value.retry_after or 0) <= 60
    assert refused.value.status is None, "our limiter, not the provider"
    assert (again.value.retry_after or 0) <= (refused.value.retry_after or 0)


async def test_headroom_spaces_slots_a_little_wider_than_the_limit(pool: Pool):
    bucket = f"sender:{uuid.uuid4()}"
    limiter = SharedLimiter(pool, "twilio", headroom=0.5)
    rate = RateLimit(limit=1, period_seconds=0.2)

    started = time.monotonic()
    for _ in range(3):
        await limiter.acquire(bucket, rate, operation="messages.create", max_wait=1.0)

    assert time.monotonic() - started >= 2 * 0.3 - 0.02
