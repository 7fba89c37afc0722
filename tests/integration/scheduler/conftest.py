"""Scheduler replicas for tests: each with its own pool (its own connections), on one clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest

from shared.database import create_pool
from shared.jobs.clock import ManualClock
from shared.jobs.job import Job
from shared.jobs.runner import Scheduler
from shared.settings import Settings

MakeReplica = Callable[[Sequence[Job], ManualClock, str], Awaitable[Scheduler]]

# Far from the real "now", so these jobs' windows hold only rows the tests arrange.
START = datetime(2031, 3, 4, 9, 0, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves."""
    return ManualClock(START)


@pytest.fixture
async def replicas(settings: Settings) -> AsyncIterator[MakeReplica]:
    """Make scheduler replicas; each is stopped and its pool closed at the end."""
    made: list[Scheduler] = []

    async def make(jobs: Sequence[Job], clock: ManualClock, name: str) -> Scheduler:
        pool = await create_pool(
            settings.database_url.get_secret_value(),
            max_size=4,
            statement_timeout_ms=10_000,
            application_name=f"scheduler-test-{name}",
        )
        replica = Scheduler(pool, jobs, clock=clock, producer="gateway-scheduler", owner=name)
        made.append(replica)
        return replica

    yield make
    for replica in made:
        await replica.stop(timeout=1)
        replica.pool.close()
        await replica.pool.wait_closed()
