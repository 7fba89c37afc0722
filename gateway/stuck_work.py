"""Stuck-work sweeps: work that stopped moving is retried (its event written again) or failed.

- SMS still `requested` after 15 minutes: the request was lost or dead-lettered.
  `sms.requested` is written again (the worker sends only a `requested` row, so
  a duplicate is harmless), up to 3 times; then the message fails
  (`error_code` `stuck_requested`).
- SMS still `sending`: not here; `gateway.jobs.sms_reconciliation` asks the
  provider what happened (a blind retry could text the member twice).
- Linked logins `syncing` for 30 minutes: the sync fails (`sync_timed_out`),
  which the next nightly refresh or a manual sync retries. (A sync request that
  was only queued behind others still runs, and puts the login back to idle.)
- Eligibility files `processing` with no progress for 30 minutes: the worker
  died mid-file; `eligibility.file_received` is written again (processing
  restarts cleanly), up to 3 times; then the file fails with a reason.

While an operator switch pauses a connector (`sms.dispatch`, `aggregation.sync`),
its work is waiting on purpose and is left alone. Everything happens in the
run's final transaction, together with the events written.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gateway.jobs.job import JobContext
from shared.database import Cursor
from shared.events import SmsRequested
from shared.events.eligibility import EligibilityFileReceived
from shared.switches import read_states

SMS_REQUESTED_AFTER = timedelta(minutes=15)
SYNC_AFTER = timedelta(minutes=30)
ELIGIBILITY_AFTER = timedelta(minutes=30)
MAX_RETRIES = 3
BATCH = 500


async def sweep_stuck_work(ctx: JobContext) -> None:
    """Retry or fail whatever has been stuck past its threshold."""
    now = ctx.now()
    async with ctx.completing() as cur:
        switches = await read_states(cur)
        if switches["sms.dispatch"]:
            retried, failed = await _sms_requested(ctx, cur, now)
            ctx.record(sms_requested_retried=retried, sms_requested_failed=failed)
        else:
            ctx.record(sms="paused by the sms.dispatch switch")
        if switches["aggregation.sync"]:
            ctx.record(syncs_failed=await _syncs(cur, now))
        else:
            ctx.record(syncs="paused by the aggregation.sync switch")
        retried, failed = await _eligibility(ctx, cur, now)
        ctx.record(eligibility_retried=retried, eligibility_failed=failed)


async def _retry_counts(cur: Cursor, kind: str, ids: list[str], now: datetime) -> dict[str, int]:
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
        select  # noqa: S608 - a constant statement of this module
        + " AND NOT EXISTS (SELECT 1 FROM stuck_work_retries r WHERE r.kind = %(kind)s"
        " AND r.item_id = t.id::text AND r.last_attempt_at >= %(cutoff)s)"
        " ORDER BY t.id LIMIT %(batch)s FOR UPDATE OF t SKIP LOCKED",
        {"kind": kind, "cutoff": cutoff, "batch": BATCH},
    )
    return [(str(row[0]), str(row[1])) for row in await cur.fetchall()]


async def _retry_or_give_up(
    cur: Cursor, kind: str, select: str, cutoff: datetime, now: datetime
) -> tuple[list[tuple[str, str]], list[str]]:
    """Stuck rows split into (id, other id) to retry and ids that used up their retries."""
    stuck = await _stuck(cur, kind, select, cutoff)
    attempts = await _retry_counts(cur, kind, [item for item, _ in stuck], now)
    retry = [(item, other) for item, other in stuck if attempts[item] <= MAX_RETRIES]
    give_up = [item for item, _ in stuck if attempts[item] > MAX_RETRIES]
    return retry, give_up


async def _sms_requested(ctx: JobContext, cur: Cursor, now: datetime) -> tuple[int, int]:
    retry, give_up = await _retry_or_give_up(
        cur,
        "sms.requested",
        "SELECT t.id, t.member_id FROM sms_messages t"
        " WHERE t.status = 'requested' AND t.updated_at < %(cutoff)s",
        now - SMS_REQUESTED_AFTER,
        now,
    )
    await ctx.emit(
        cur,
        [
            ("sms.requested", SmsRequested(message_id=uuid.UUID(item), member_id=uuid.UUID(member)))
            for item, member in retry
        ],
    )
    if give_up:
        await cur.execute(
            "UPDATE sms_messages SET status = 'failed', error_code = 'stuck_requested',"
            " updated_at = %s WHERE id = ANY(%s::uuid[]) AND status = 'requested'",
            (now, give_up),
        )
    return len(retry), len(give_up)


async def _syncs(cur: Cursor, now: datetime) -> int:
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'failed', error_code = 'sync_timed_out',"
        " updated_at = %s WHERE id IN (SELECT id FROM linked_items WHERE sync_status = 'syncing'"
        " AND sync_started_at < %s ORDER BY sync_started_at LIMIT %s FOR UPDATE SKIP LOCKED)",
        (now, now - SYNC_AFTER, BATCH),
    )
    return int(cur.rowcount)


async def _eligibility(ctx: JobContext, cur: Cursor, now: datetime) -> tuple[int, int]:
    retry, give_up = await _retry_or_give_up(
        cur,
        "eligibility.file",
        "SELECT t.id, t.employer_id FROM eligibility_files t"
        " WHERE t.status = 'processing' AND t.updated_at < %(cutoff)s",
        now - ELIGIBILITY_AFTER,
        now,
    )
    await ctx.emit(
        cur,
        [
            (
                "eligibility.file_received",
                EligibilityFileReceived(file_id=uuid.UUID(item), employer_id=uuid.UUID(employer)),
            )
            for item, employer in retry
        ],
    )
    if give_up:
        await cur.execute(
            "UPDATE eligibility_files SET status = 'failed',"
            " error = 'processing stopped making progress; retried and gave up',"
            " finished_at = clock_timestamp(), updated_at = %s"  # the clock of started_at
            " WHERE id = ANY(%s::uuid[]) AND status = 'processing'",
            (now, give_up),
        )
    return len(retry), len(give_up)
