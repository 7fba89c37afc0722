"""The shared outbound limiter on the real database: replicas together keep one limit."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from connectors.errors import RateLimited
from connectors.rate_limit import RateLimit, SharedLimiter
from shared.database import Pool


async def test_two_replicas_together_never_start_more_than_the_limit_in_any_window(pool: Pool):
    bucket = f"sender:{uuid.uuid4()}"
    rate = RateLimit(limit=5, period_seconds=0.5)
    # The default headroom absorbs the time between a slot being granted and the call leaving.
    replicas = [SharedLimiter(pool, "twilio", headroom=0.1) for _ in range(2)]
    starts: list[float] = []

    async def call(limiter: SharedLimiter) -> None:
        await limiter.acquire(bucket, rate, operation="messages.create", max_wait=5.0)
        starts.append(time.monotonic())

    await asyncio.gather(*(call(replicas[n % 2]) for n in range(20)))

    starts.sort()
    assert len(starts) == 20
    for i in range(len(starts) - 5):
        # Any 6 consecutive starts span at least a period: never 6 in one window.
        assert starts[i + 5] - starts[i] >= 0.5, (i, starts[i + 5] - starts[i])
    assert starts[-1] - starts[0] >= 1.5 - 0.02  # 20 calls at 5 per 0.5 s


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
