"""The accounts part of the stuck-work sweep: syncs that stopped moving.

A linked login `syncing` for 30 minutes: the sync fails (`sync_timed_out`),
which the next nightly refresh or a manual sync retries. (A sync request that
was only queued behind others still runs, and puts the login back to idle.)
While the `aggregation.sync` switch pauses syncing, waiting syncs are left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.accounts import linked_items
from gateway.stuck_work import BATCH
from shared.database import Cursor
from shared.jobs.job import JobContext

SYNC_AFTER = timedelta(minutes=30)


async def sweep_syncs(
    ctx: JobContext, cur: Cursor, now: datetime, switches: dict[str, bool]
) -> None:
    """Fail syncs stuck in `syncing`, unless syncing is paused."""
    if not switches["aggregation.sync"]:
        ctx.record(syncs="paused by the aggregation.sync switch")
        return
    failed = await linked_items.fail_stuck_syncs(
        cur, now=now, started_before=now - SYNC_AFTER, limit=BATCH
    )
    ctx.record(syncs_failed=failed)
