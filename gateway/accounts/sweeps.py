"""The accounts part of the stuck-work sweep: syncs that stopped moving.

A linked login `syncing` for 30 minutes: the sync fails (`sync_timed_out`),
which the next nightly refresh or a manual sync retries. (A sync request that
was only queued behind others still runs, and puts the login back to idle.)
While the `aggregation.sync` switch pauses syncing, waiting syncs are left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'failed', error_code = 'sync_timed_out',"
        " updated_at = %s WHERE id IN (SELECT id FROM linked_items WHERE sync_status = 'syncing'"
        " AND sync_started_at < %s ORDER BY sync_started_at LIMIT %s FOR UPDATE SKIP LOCKED)",
        (now, now - SYNC_AFTER, BATCH),
    )
    ctx.record(syncs_failed=int(cur.rowcount))
