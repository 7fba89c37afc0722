"""Did every scheduled (job, slot) of the chaos run run exactly once? Read from the run rows.

A slot counts as run by a succeeded run for that slot, or by a later succeeded
catch-up run that covers it (`covers_after < slot < scheduled_for`, the
`run_once` policy). Slots before the run started are not judged; the check
first waits (up to `settle` seconds) until no run of the window is still open,
which covers a run whose holder was killed and whose lease another replica
takes over when it expires.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.database import Pool
from shared.jobs.schedule import Schedule


@dataclass(frozen=True)
class JobVerdict:
    job: str
    slot: datetime
    runs: int
    attempts: int  # the succeeded run's attempt: above 1 when a lease was taken over


async def job_verdicts(
    pool: Pool, started_at: datetime, *, settle: float
) -> tuple[list[JobVerdict], datetime]:
    """Every (job, slot) in (started_at, until] with how many runs covered it, and `until`."""
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "SELECT count(*) FROM job_runs WHERE status IN ('requested', 'running')"
            )
            if int((await cur.fetchone())[0]) == 0:
                break
        await asyncio.sleep(1)
    # Ticks come every 5 s: a slot older than this has been claimed (or was missed).
    until = datetime.now(UTC) - timedelta(seconds=15)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT name, cron, timezone, registered_at FROM scheduled_jobs")
        jobs = await cur.fetchall()
        await cur.execute(
            "SELECT job, scheduled_for, covers_after, attempt FROM job_runs"
            " WHERE status = 'succeeded' AND trigger = 'cron'"
        )
        runs = await cur.fetchall()
    verdicts = []
    for name, cron, zone, registered_at in jobs:
        schedule = Schedule(cron, zone)
        slot = schedule.next_after(max(started_at, registered_at))
        while slot <= until:
            covering = [
                attempt
                for job, scheduled_for, covers_after, attempt in runs
                if job == name
                and (
                    scheduled_for == slot
                    or (covers_after is not None and covers_after < slot < scheduled_for)
                )
            ]
            verdicts.append(JobVerdict(name, slot, len(covering), max(covering, default=0)))
            slot = schedule.next_after(slot)
    return verdicts, until
