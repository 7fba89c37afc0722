"""Stuck-work sweeps: work that stopped moving is retried (its event written again) or failed.

The `stuck-work-sweep` job runs every feature's sweep in one final transaction,
together with the events they write; each sweep reads the operator switches and
leaves alone the work a paused connector keeps waiting on purpose. The sweeps
live with their features (`gateway/sms/sweeps.py`, `gateway/accounts/sweeps.py`,
`gateway/eligibility/sweeps.py`); the scheduler lists them. What they share is
here: the bookkeeping of retries per item (`stuck_work_retries`, written only by
this module), so a row is retried a few times, never more often than its
threshold, then given up.

SMS still `sending` are not swept: `gateway.sms.reconciliation` asks the
provider what happened (a blind retry could text the member twice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from shared.database import Cursor
from shared.jobs.job import JobContext
from shared.switches import read_states

MAX_RETRIES = 3
BATCH = 500

Sweep = Callable[[JobContext, Cursor, datetime, dict[str, bool]], Awaitable[None]]
"""One feature's sweep: (run, the final transaction, now, switch states); records its figures."""


class StuckWorkSweep:
    """The stuck-work job: every sweep, in order, in the run's final transaction."""

    def __init__(self, *sweeps: Sweep) -> None:
        self._sweeps = sweeps

    async def __call__(self, ctx: JobContext) -> None:
        """Retry or fail whatever has been stuck past its threshold."""
        now = ctx.now()
        async with ctx.completing() as cur:
            switches = await read_states(cur)
            for sweep in self._sweeps:
                await sweep(ctx, cur, now, switches)


# Retention's batched delete of bookkeeping last touched before `%s` (`gateway.retention`).
RETENTION_DELETE = (
    "DELETE FROM stuck_work_retries WHERE (kind, item_id) IN (SELECT kind, item_id"
    " FROM stuck_work_retries WHERE last_attempt_at < %s LIMIT %s)"
)


async def count_retries(cur: Cursor, kind: str, ids: list[str], now: datetime) -> dict[str, int]:
    """Count one more retry for each id; returns the attempts each has had, this one included."""
    if not ids:
        return {}
    await cur.execute(
        "INSERT INTO stuck_work_retries (kind, item_id, attempts, last_attempt_at)"
        " SELECT %s, unnest(%s::text[]), 1, %s ON CONFLICT (kind, item_id) DO UPDATE"
        " SET attempts = stuck_work_retries.attempts + 1,"
        " last_attempt_at = EXCLUDED.last_attempt_at"
        " RETURNING item_id, attempts",
        (kind, ids, now),
    )
    return {str(item): int(attempts) for item, attempts in await cur.fetchall()}


async def _stuck(cur: Cursor, kind: str, select: str, cutoff: datetime) -> list[tuple[str, str]]:
    """(id, other id) of stuck rows whose last retry (if any) is also older than `cutoff`."""
    await cur.execute(
        select  # noqa: S608 - a constant statement of a sweep module
        + " AND NOT EXISTS (SELECT 1 FROM stuck_work_retries r WHERE r.kind = %(kind)s"
        " AND r.item_id = t.id::text AND r.last_attempt_at >= %(cutoff)s)"
        " ORDER BY t.id LIMIT %(batch)s FOR UPDATE OF t SKIP LOCKED",
        {"kind": kind, "cutoff": cutoff, "batch": BATCH},
    )
    return [(str(row[0]), str(row[1])) for row in await cur.fetchall()]


async def retry_or_give_up(
    cur: Cursor, kind: str, select: str, cutoff: datetime, now: datetime
) -> tuple[list[tuple[str, str]], list[str]]:
    """Stuck rows split into (id, other id) to retry and ids that used up their retries.

    `select` picks `t.id` and one other column of the stuck rows of table alias `t`,
    with `%(cutoff)s` as the threshold; rows retried since the cutoff are left out.
    """
    stuck = await _stuck(cur, kind, select, cutoff)
    attempts = await count_retries(cur, kind, [item for item, _ in stuck], now)
    retry = [(item, other) for item, other in stuck if attempts[item] <= MAX_RETRIES]
    give_up = [item for item, _ in stuck if attempts[item] > MAX_RETRIES]
    return retry, give_up
