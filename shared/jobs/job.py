"""A scheduled job: its schedule and catch-up policy, and the function one run calls.

A run function gets a `JobContext`. Its writes go through `ctx.transaction()`
(intermediate, idempotent steps such as batched deletes) or `ctx.completing()`
(the final transaction: the run is marked succeeded in it, together with the
job's effects and outbox rows). Both check first that this replica still holds
the run, so a replica whose run was taken over commits nothing. A job that
never opens `completing()` is completed after it returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from shared.database import Cursor, Pool, transaction
from shared.events import REGISTRY
from shared.jobs import runs
from shared.jobs.clock import Clock
from shared.jobs.runs import Claim, JobSpec
from shared.jobs.schedule import CatchUp, Schedule
from shared.messaging import outbox
from shared.messaging.envelope import Envelope

_OUTBOX_CHUNK = 500


@dataclass
class JobContext:
    """What one run of a job gets: its claim, the pool, the clock, and ways to write."""

    claim: Claim
    pool: Pool
    clock: Clock
    producer: str
    elapsed_ms: Callable[[], int]
    summary: dict[str, Any] = field(default_factory=dict)
    completed: bool = False

    @property
    def scheduled_for(self) -> datetime:
        """The slot this run is for (for a manual run, when it was requested)."""
        return self.claim.scheduled_for

    @property
    def correlation_id(self) -> str:
        """Carried by every event the run writes, so a run can be traced through the system."""
        return f"job-{self.claim.job}-{self.claim.run_id}"

    def now(self) -> datetime:
        """The scheduler's clock (injected; tests move it)."""
        return self.clock.now()

    def record(self, **values: Any) -> None:
        """Add figures to the run's summary (kept in its history row, shown in health)."""
        self.summary.update(values)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Cursor]:
        """An intermediate transaction, committed only if this replica still holds the run."""
        async with transaction(self.pool) as cur:
            await runs.fence(cur, self.claim)
            yield cur

    @asynccontextmanager
    async def completing(self) -> AsyncIterator[Cursor]:
        """The run's final transaction: its writes and the run's success commit together."""
        if self.completed:
            raise RuntimeError(f"run {self.claim.run_id} of {self.claim.job} already completed")
        async with transaction(self.pool) as cur:
            await runs.fence(cur, self.claim)
            yield cur
            await runs.complete(
                cur,
                self.claim,
                now=self.clock.now(),
                duration_ms=self.elapsed_ms(),
                summary=self.summary,
            )
        self.completed = True

    def envelope(self, data: BaseModel, *, name: str) -> Envelope:
        """An event of this run, correlated with it."""
        return REGISTRY.build(
            data,
            name=name,
            producer=self.producer,
            correlation_id=self.correlation_id,
            occurred_at=self.clock.now(),
        )

    async def emit(self, cur: Cursor, events: Sequence[tuple[str, BaseModel]]) -> int:
        """Write `(name, data)` events to the outbox in the caller's transaction."""
        envelopes = [self.envelope(data, name=name) for name, data in events]
        for start in range(0, len(envelopes), _OUTBOX_CHUNK):
            await outbox.add_many(cur, envelopes[start : start + _OUTBOX_CHUNK])
        return len(envelopes)


JobFunction = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    """A job declared in code: how it is scheduled and what a run does."""

    spec: JobSpec
    run: JobFunction

    @property
    def name(self) -> str:
        return self.spec.name


def job(
    name: str,
    run: JobFunction,
    *,
    cron: str,
    timezone: str,
    catch_up: CatchUp,
    description: str,
    grace: timedelta = timedelta(minutes=2),
    lease: timedelta = timedelta(minutes=2),
) -> Job:
    """Declare a job; the schedule is validated here, when the scheduler is built."""
    spec = JobSpec(
        name=name,
        schedule=Schedule(cron, timezone),
        catch_up=catch_up,
        description=description,
        grace=grace,
        lease=lease,
    )
    return Job(spec=spec, run=run)
