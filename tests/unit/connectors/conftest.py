"""A fake monotonic clock whose sleep advances time, so retry and breaker tests take no time."""

from __future__ import annotations

import pytest


class FakeClock:
    """Monotonic seconds that move only when something sleeps or the test advances them."""

    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
