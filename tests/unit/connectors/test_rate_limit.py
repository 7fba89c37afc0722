"""The outbound rate limiter: per key, exact over any period, wait or surface RateLimited."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import RateLimited
from connectors.rate_limit import RateLimit, RateLimiter
from tests.unit.connectors.conftest import FakeClock


def limiter(clock: FakeClock, limit: int = 5, period: float = 60) -> RateLimiter:
    return RateLimiter(
        "prov", RateLimit(limit=limit, period_seconds=period), clock=clock, sleep=clock.sleep
    )


async def test_calls_beyond_the_limit_are_refused_with_the_wait(clock: FakeClock) -> None:
    rl = limiter(clock)
    for _ in range(5):
        await rl.acquire("balance", "login-1")
    clock.advance(10)
    with pytest.raises(RateLimited) as raised:
        await rl.acquire("balance", "login-1")
    assert raised.value.retry_after == pytest.approx(50.0)


async def test_each_key_has_its_own_allowance(clock: FakeClock) -> None:
    rl = limiter(clock)
    for _ in range(5):
        await rl.acquire("balance", "login-1")
    await rl.acquire("balance", "login-2")


async def test_no_sixty_second_window_ever_holds_more_than_five_calls(clock: FakeClock) -> None:
    rl = limiter(clock)
    starts: list[float] = []
    for _ in range(200):
        try:
            await rl.acquire("balance", "login-1")
            starts.append(clock())
        except RateLimited:
            pass
        clock.advance(1.3)
    assert len(starts) >= 20
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < start + 60) <= 5


async def test_a_short_wait_is_slept_instead_of_refused(clock: FakeClock) -> None:
    rl = limiter(clock, limit=2, period=1)
    await rl.acquire("op")
    await rl.acquire("op")
    await rl.acquire("op", max_wait=2)
    assert clock.sleeps == [pytest.approx(1.0)]


async def test_concurrent_waiters_reserve_distinct_slots() -> None:
    loop_clock = asyncio.get_running_loop().time
    rl = RateLimiter("prov", RateLimit(limit=2, period_seconds=0.05), clock=loop_clock)
    started: list[float] = []

    async def one() -> None:
        await rl.acquire("op", max_wait=1)
        started.append(loop_clock())

    await asyncio.gather(*(one() for _ in range(6)))
    started.sort()
    for i, start in enumerate(started):
        assert sum(1 for s in started[i:] if s < start + 0.045) <= 2
