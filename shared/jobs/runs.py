"""Run rows: each (job, slot) claimed once across replicas, leased, fenced, and kept as history.

Claiming happens in one short transaction under the job's advisory lock
(`pg_try_advisory_xact_lock`, taken inside an explicit transaction since aiopg
is autocommit), so replicas never disagree about which slot is due or who
takes over an abandoned run; the unique `(job, scheduled_for)` row backs that
up. A claimed run is `running` under a lease its owner extends while it works.
If the owner dies, the lease runs out and another replica takes the run over
with `attempt` + 1. Every later write of a run (the job's transactions, its
completion, its failure) first checks `(id, attempt)` under a row lock, so a
stale owner cannot commit anything once the run was taken over; and the job's
final transaction marks the run succeeded together with its outbox rows, so
the slot's effects commit exactly once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.database import Cursor, Pool, connection_cursor, transaction
from shared.jobs.schedule import CatchUp, Schedule, decide

log = logging.getLogger(__name__)

# Advisory locks use the two-key form: (this namespace, hashtext(job name)).
LOCK_NAMESPACE = 0x4A4F_4253  # "JOBS"

Trigger = Literal["cron", "manual"]
Status = Literal["requested", "running", "succeeded", "failed", "skipped"]


class LeaseLost(Exception):
    """This replica's claim on a run is gone (another replica took it over): write nothing."""


class UnknownJob(Exception):
    """No scheduler replica ever registered a job of that name."""


class AlreadyPending(Exception):
    """A manual run of the job is already requested or running."""

    def __init__(self, job: str, run_id: int) -> None:
        super().__init__(f"a manual run of {job} is already pending (run {run_id})")
        self.run_id = run_id


@dataclass(frozen=True)
class JobSpec:
    """How a job is scheduled and leased: what the run rows and the claim need to know."""

    name: str
    schedule: Schedule
    catch_up: CatchUp
    description: str
    # How late an on-time slot may start; with `CatchUp.SKIP`, older slots are skipped.
    grace: timedelta = timedelta(minutes=2)
    # How long a run stays claimed without a heartbeat before another replica takes it over.
    lease: timedelta = timedelta(minutes=2)
    # Takeovers after which a run is failed rather than claimed again (a job that kills replicas).
    max_attempts: int = 3


@dataclass(frozen=True)
class Claim:
    """A run this replica holds: only the holder of the current `attempt` may write it."""

    run_id: int
    job: str
    scheduled_for: datetime
    trigger: Trigger
    attempt: int
    owner: str
    covers_after: datetime | None
    missed_slots: int


@dataclass(frozen=True)
class RunRecord:
    """One row of a job's run history."""

    id: int
    job: str
    scheduled_for: datetime
    trigger: str
    status: str
    attempt: int
    owner: str | None
    missed_slots: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    error: str | None
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for health and the ops command line."""
        return {
            "id": self.id,
            "job": self.job,
            "scheduled_for": self.scheduled_for.isoformat(),
            "trigger": self.trigger,
            "status": self.status,
            "attempt": self.attempt,
            "owner": self.owner,
            "missed_slots": self.missed_slots,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "summary": self.summary,
        }


_RUN_COLUMNS = (
    "id, job, scheduled_for, trigger, status, attempt, owner, missed_slots,"
    " started_at, finished_at, duration_ms, error, summary"
)


def _record(row: tuple[Any, ...]) -> RunRecord:
    summary = row[12]
    return RunRecord(
        id=row[0],
        job=row[1],
        scheduled_for=row[2],
        trigger=row[3],
        status=row[4],
        attempt=row[5],
        owner=row[6],
        missed_slots=row[7],
        started_at=row[8],
        finished_at=row[9],
        duration_ms=row[10],
        error=row[11],
        summary=summary if isinstance(summary, dict) else json.loads(summary or "{}"),
    )


async def _try_lock(cur: Cursor, job: str) -> bool:
    await cur.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, job))
    row = await cur.fetchone()
    return bool(row[0])


async def register(cur: Cursor, spec: JobSpec, *, now: datetime) -> None:
    """Record (or update) a job declared in code; its first registration starts its slots."""
    await cur.execute(
        "INSERT INTO scheduled_jobs (name, cron, timezone, catch_up, description,"
        " registered_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (name) DO UPDATE SET cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,"
        " catch_up = EXCLUDED.catch_up, description = EXCLUDED.description,"
        " updated_at = EXCLUDED.updated_at",
        (
            spec.name,
            spec.schedule.cron,
            spec.schedule.timezone,
            spec.catch_up.value,
            spec.description,
            now,
            now,
        ),
    )


async def claim(pool: Pool, spec: JobSpec, *, owner: str, now: datetime) -> Claim | None:
    """Claim the job's next piece of work, or None when there is none or another replica has it.

    In order: nothing while a run of the job is live (runs of one job never
    overlap); else an abandoned run (lease expired) or a manual request; else
    the due cron slot, per the job's catch-up policy.
    """
    async with transaction(pool) as cur:
        if not await _try_lock(cur, spec.name):
            return None
        await cur.execute(
            "SELECT id, status, lease_expires_at FROM job_runs"
            " WHERE job = %s AND status IN ('requested', 'running') ORDER BY scheduled_for",
            (spec.name,),
        )
        open_runs = await cur.fetchall()
        if any(status == "running" and lease > now for _, status, lease in open_runs):
            return None
        for run_id, _, _ in open_runs:
            taken = await _take_over(cur, spec, run_id, owner=owner, now=now)
            if taken == "busy":
                return None
            if isinstance(taken, Claim):
                return taken
        return await _claim_slot(cur, spec, owner=owner, now=now)


async def _take_over(
    cur: Cursor, spec: JobSpec, run_id: int, *, owner: str, now: datetime
) -> Claim | Literal["busy", "abandoned"]:
    # SKIP LOCKED: a locked row is being completed by its owner right now, so it is live.
    await cur.execute(
        "SELECT status, attempt FROM job_runs WHERE id = %s AND status IN ('requested', 'running')"
        " FOR UPDATE SKIP LOCKED",
        (run_id,),
    )
    row = await cur.fetchone()
    if row is None:
        return "busy"
    status, attempt = row
    if status == "running" and attempt >= spec.max_attempts:
        error = f"abandoned: its lease expired {attempt} times without the run finishing"
        await cur.execute(
            "UPDATE job_runs SET status = 'failed', finished_at = %s, error = %s WHERE id = %s",
            (now, error, run_id),
        )
        log.error("job run abandoned", extra={"job": spec.name, "run_id": run_id})
        return "abandoned"
    if status == "running":
        log.warning(
            "taking over a job run whose lease expired",
            extra={"job": spec.name, "run_id": run_id, "attempt": attempt + 1},
        )
    await cur.execute(
        "UPDATE job_runs SET status = 'running', attempt = attempt + 1, owner = %s,"
        " lease_expires_at = %s, started_at = %s WHERE id = %s"
        " RETURNING scheduled_for, trigger, attempt, covers_after, missed_slots",
        (owner, now + spec.lease, now, run_id),
    )
    scheduled_for, trigger, attempt, covers_after, missed = await cur.fetchone()
    return Claim(run_id, spec.name, scheduled_for, trigger, attempt, owner, covers_after, missed)


async def _claim_slot(cur: Cursor, spec: JobSpec, *, owner: str, now: datetime) -> Claim | None:
    await cur.execute(
        "SELECT last_slot, registered_at FROM scheduled_jobs WHERE name = %s", (spec.name,)
    )
    row = await cur.fetchone()
    if row is None:
        raise UnknownJob(spec.name)
    last_slot, registered_at = row
    decision = decide(
        spec.schedule, spec.catch_up, grace=spec.grace, after=last_slot or registered_at, now=now
    )
    if decision is None:
        return None
    await cur.execute(
        "UPDATE scheduled_jobs SET last_slot = %s WHERE name = %s", (decision.slot, spec.name)
    )
    if decision.action == "skip":
        await cur.execute(
            "INSERT INTO job_runs (job, scheduled_for, trigger, status, covers_after, missed_slots,"
            " created_at, finished_at, summary) VALUES (%s, %s, 'cron', 'skipped', %s, %s, %s, %s,"
            " %s) ON CONFLICT (job, scheduled_for) DO NOTHING",
            (
                spec.name,
                decision.slot,
                decision.covers_after,
                decision.missed,
                now,
                now,
                json.dumps({"reason": "missed while no scheduler ran (catch-up: skip)"}),
            ),
        )
        log.warning(
            "job slots skipped",
            extra={"job": spec.name, "slot": decision.slot.isoformat(), "missed": decision.missed},
        )
        return None
    await cur.execute(
        "INSERT INTO job_runs (job, scheduled_for, trigger, status, covers_after, missed_slots,"
        " attempt, owner, lease_expires_at, created_at, started_at)"
        " VALUES (%s, %s, 'cron', 'running', %s, %s, 1, %s, %s, %s, %s)"
        " ON CONFLICT (job, scheduled_for) DO NOTHING RETURNING id",
        (
            spec.name,
            decision.slot,
            decision.covers_after,
            decision.missed,
            owner,
            now + spec.lease,
            now,
            now,
        ),
    )
    inserted = await cur.fetchone()
    if inserted is None:
        return None
    return Claim(
        inserted[0],
        spec.name,
        decision.slot,
        "cron",
        1,
        owner,
        decision.covers_after,
        decision.missed,
    )


async def fence(cur: Cursor, claim: Claim) -> None:
    """Lock the run row in the caller's transaction; raise `LeaseLost` unless we still hold it.

    Held until that transaction ends, the row lock also keeps another replica
    from taking the run over in the middle of it.
    """
    await cur.execute(
        "SELECT 1 FROM job_runs WHERE id = %s AND attempt = %s AND status = 'running' FOR UPDATE",
        (claim.run_id, claim.attempt),
    )
    if await cur.fetchone() is None:
        raise LeaseLost(f"run {claim.run_id} of {claim.job} was taken over")


async def extend_lease(pool: Pool, claim: Claim, *, until: datetime) -> bool:
    """Heartbeat: push the lease to `until`; False when the run is no longer ours."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "UPDATE job_runs SET lease_expires_at = %s"
            " WHERE id = %s AND attempt = %s AND status = 'running'",
            (until, claim.run_id, claim.attempt),
        )
        return bool(cur.rowcount)


async def complete(
    cur: Cursor, claim: Claim, *, now: datetime, duration_ms: int, summary: dict[str, Any]
) -> None:
    """Mark the run succeeded in the caller's transaction (the one with the job's effects)."""
    await fence(cur, claim)
    await cur.execute(
        "UPDATE job_runs SET status = 'succeeded', finished_at = %s, duration_ms = %s,"
        " summary = %s, lease_expires_at = NULL WHERE id = %s",
        (now, duration_ms, json.dumps(summary, default=str), claim.run_id),
    )


async def fail(pool: Pool, claim: Claim, *, now: datetime, duration_ms: int, error: str) -> bool:
    """Mark the run failed with a reason; False when it was no longer ours to mark."""
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE job_runs SET status = 'failed', finished_at = %s, duration_ms = %s,"
            " error = %s, lease_expires_at = NULL"
            " WHERE id = %s AND attempt = %s AND status = 'running'",
            (now, duration_ms, error[:1000], claim.run_id, claim.attempt),
        )
        return bool(cur.rowcount)


async def release(pool: Pool, claim: Claim, *, now: datetime) -> bool:
    """Give a run up (graceful shutdown): its lease ends now, so another replica takes it over."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "UPDATE job_runs SET lease_expires_at = %s"
            " WHERE id = %s AND attempt = %s AND status = 'running'",
            (now, claim.run_id, claim.attempt),
        )
        return bool(cur.rowcount)


async def request_manual(pool: Pool, job: str, *, requested_by: str, now: datetime) -> int:
    """Ask the scheduler to run `job` now; returns the run id it will claim like any other."""
    async with transaction(pool) as cur:
        # Blocking here: ops waits the few milliseconds a claim holds the lock.
        await cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, job))
        await cur.execute("SELECT 1 FROM scheduled_jobs WHERE name = %s", (job,))
        if await cur.fetchone() is None:
            raise UnknownJob(job)
        await cur.execute(
            "SELECT id FROM job_runs WHERE job = %s AND trigger = 'manual'"
            " AND status IN ('requested', 'running')",
            (job,),
        )
        pending = await cur.fetchone()
        if pending is not None:
            raise AlreadyPending(job, pending[0])
        # A manual run is its own slot; nudge by a microsecond if a cron slot has that instant.
        for nudge in range(3):
            await cur.execute(
                "INSERT INTO job_runs (job, scheduled_for, trigger, status, requested_by,"
                " created_at) VALUES (%s, %s, 'manual', 'requested', %s, %s)"
                " ON CONFLICT (job, scheduled_for) DO NOTHING RETURNING id",
                (job, now + timedelta(microseconds=nudge), requested_by, now),
            )
            row = await cur.fetchone()
            if row is not None:
                return int(row[0])
        raise AlreadyPending(job, -1)


async def get_run(pool: Pool, run_id: int) -> RunRecord | None:
    """One run by id."""
    async with connection_cursor(pool) as cur:
        await cur.execute(f"SELECT {_RUN_COLUMNS} FROM job_runs WHERE id = %s", (run_id,))  # noqa: S608 - constant columns
        row = await cur.fetchone()
    return _record(row) if row else None


async def history(pool: Pool, job: str, *, limit: int = 20) -> list[RunRecord]:
    """The job's latest runs, newest first."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            f"SELECT {_RUN_COLUMNS} FROM job_runs WHERE job = %s"  # noqa: S608 - constant columns
            " ORDER BY created_at DESC, id DESC LIMIT %s",
            (job, limit),
        )
        return [_record(row) for row in await cur.fetchall()]


@dataclass(frozen=True)
class JobRecord:
    """A registered job with its latest finished run and whether one is open now."""

    name: str
    cron: str
    timezone: str
    catch_up: str
    description: str
    last_slot: datetime | None
    last_run: RunRecord | None
    open_runs: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for health and the ops command line."""
        return {
            "name": self.name,
            "cron": self.cron,
            "timezone": self.timezone,
            "catch_up": self.catch_up,
            "description": self.description,
            "last_slot": self.last_slot.isoformat() if self.last_slot else None,
            "open_runs": self.open_runs,
            "last_run": self.last_run.as_dict() if self.last_run else None,
        }


async def list_jobs(pool: Pool, names: list[str] | None = None) -> list[JobRecord]:
    """Registered jobs (all, or those named) with their latest finished run."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "SELECT j.name, j.cron, j.timezone, j.catch_up, j.description, j.last_slot,"  # noqa: S608 - constant columns
            " (SELECT count(*) FROM job_runs o WHERE o.job = j.name"
            "  AND o.status IN ('requested', 'running')),"
            f" {', '.join('r.' + column.strip() for column in _RUN_COLUMNS.split(','))}"
            " FROM scheduled_jobs j LEFT JOIN LATERAL (SELECT * FROM job_runs x"
            "  WHERE x.job = j.name AND x.finished_at IS NOT NULL"
            "  ORDER BY x.finished_at DESC, x.id DESC LIMIT 1) r ON true"
            " WHERE %s::text[] IS NULL OR j.name = ANY(%s::text[]) ORDER BY j.name",
            (names, names),
        )
        rows = await cur.fetchall()
    return [
        JobRecord(
            name=row[0],
            cron=row[1],
            timezone=row[2],
            catch_up=row[3],
            description=row[4],
            last_slot=row[5],
            open_runs=int(row[6]),
            last_run=_record(row[7:]) if row[7] is not None else None,
        )
        for row in rows
    ]


async def delete_history(pool: Pool, *, before: datetime, batch: int = 5_000) -> int:
    """Delete finished runs created before `before`, in small batches; open runs stay."""
    deleted = 0
    while True:
        async with transaction(pool) as cur:
            await cur.execute(
                "DELETE FROM job_runs WHERE id IN (SELECT id FROM job_runs WHERE created_at < %s"
                " AND status IN ('succeeded', 'failed', 'skipped') ORDER BY id LIMIT %s)",
                (before, batch),
            )
            count = int(cur.rowcount)
        deleted += count
        if count < batch:
            return deleted
