"""A test job whose effects expose duplicates: a row per run (no unique key) and an event."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime, timedelta

from shared.database import Pool, transaction
from shared.events import AccountsSyncRequested
from shared.jobs.job import Job, JobContext, job
from shared.jobs.schedule import CatchUp

_TABLE = (
    "CREATE TABLE IF NOT EXISTS scheduler_test_effects ("
    " job text NOT NULL, slot timestamptz NOT NULL, run_id bigint NOT NULL,"
    " replica text NOT NULL, attempt int NOT NULL)"
)


async def create_effects_table(pool: Pool) -> None:
    async with transaction(pool) as cur:
        await cur.execute("SELECT pg_advisory_xact_lock(4242)")
        await cur.execute(_TABLE)


def effect_job(
    name: str,
    cron: str,
    *,
    catch_up: CatchUp = CatchUp.RUN_ONCE,
    grace: timedelta = timedelta(minutes=2),
    lease: timedelta = timedelta(minutes=2),
    hold: asyncio.Event | None = None,
    entered: asyncio.Event | None = None,
) -> Job:
    """A job writing one effect row and one outbox event in its final transaction.

    With `hold`, the first attempt stops inside that transaction until `hold` is set.
    """

    async def run(ctx: JobContext) -> None:
        async with ctx.completing() as cur:
            await cur.execute(
                "INSERT INTO scheduler_test_effects (job, slot, run_id, replica, attempt)"
                " VALUES (%s, %s, %s, %s, %s)",
                (
                    ctx.claim.job,
                    ctx.scheduled_for,
                    ctx.claim.run_id,
                    ctx.claim.owner,
                    ctx.claim.attempt,
                ),
            )
            await ctx.emit(
                cur,
                [
                    (
                        "accounts.sync_requested",
                        AccountsSyncRequested(linked_item_id=uuid.uuid4(), reason="nightly"),
                    )
                ],
            )
            if hold is not None and ctx.claim.attempt == 1:
                if entered is not None:
                    entered.set()
                await hold.wait()
            ctx.record(slot=ctx.scheduled_for.isoformat())

    return job(
        name,
        run,
        cron=cron,
        timezone="UTC",
        catch_up=catch_up,
        description="test job",
        grace=grace,
        lease=lease,
    )


async def effects(pool: Pool, job_name: str) -> Counter[datetime]:
    """How many committed effect rows each slot of the job has."""
    async with transaction(pool) as cur:
        await cur.execute("SELECT slot FROM scheduler_test_effects WHERE job = %s", (job_name,))
        return Counter(row[0] for row in await cur.fetchall())


async def runs_of(pool: Pool, job_name: str) -> list[tuple[datetime, str, int, str | None, int]]:
    """(slot, status, attempt, owner, missed_slots) of every run row of the job, by slot."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT scheduled_for, status, attempt, owner, missed_slots FROM job_runs"
            " WHERE job = %s ORDER BY scheduled_for",
            (job_name,),
        )
        return [tuple(row) for row in await cur.fetchall()]


async def outbox_count_per_run(pool: Pool, job_name: str) -> Counter[str]:
    """Outbox events per run (by correlation id) written by the job."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT correlation_id FROM outbox WHERE correlation_id LIKE %s",
            (f"job-{job_name}-%",),
        )
        return Counter(row[0] for row in await cur.fetchall())
