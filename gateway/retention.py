"""Retention: delete what has outlived its use, after the periods set in settings.

Published outbox rows and inbox rows (`shared.messaging.retention`), raw
webhook events, expired or revoked advisor sessions, failed sign-ins and
sign-up attempts (they hold client IPs), pending sign-ups a day past their expiry
(they hold an email and a password hash), member changes and balance history, and
the scheduler's own run history and sweep bookkeeping.
Every delete goes in small batches, each its own transaction, so a large backlog
never holds locks for long; they are idempotent, so a run taken over halfway
simply deletes the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway import stuck_work
from gateway.webhooks import events as webhook_events
from shared.identity import pending_signups as pending_signups_table
from shared.identity import sessions as user_sessions
from shared.identity import sign_in_attempts
from shared.jobs import runs
from shared.jobs.job import JobContext
from shared.messaging.retention import delete_expired
from shared.settings import Settings

# Rows written only by triggers (migrations 0014/0015, the balance history's): their one
# Python writer is this job, so their deletes are here.
MEMBER_CHANGES_DELETE = (
    "DELETE FROM member_changes WHERE id IN (SELECT id FROM member_changes"
    " WHERE created_at < %s ORDER BY id LIMIT %s)"
)
BALANCE_HISTORY_DELETE = (
    "DELETE FROM account_balance_history WHERE id IN (SELECT id FROM account_balance_history"
    " WHERE recorded_at < %s ORDER BY id LIMIT %s)"
)
# Run history is for ops looking back at recent weeks; older rows only grow the table.
RUN_HISTORY_DAYS = 30
# A session row is kept a day past its expiry, for whoever investigates a sign-in.
SESSION_KEPT_AFTER_EXPIRY = timedelta(days=1)
# Failed sign-ins and sign-up attempts throttle for minutes to an hour (`bff.web.limits`); a day
# of them is kept for whoever investigates an attack, and no longer: each holds a client IP.
ATTEMPTS_KEPT = timedelta(days=1)
# Member changes let an open member page resume after a reconnect (`bff.members.events`); a
# page away longer than this gets a fresh screen instead.
MEMBER_CHANGES_KEPT = timedelta(days=1)
# The accounts chart shows balances over the last year.
BALANCE_HISTORY_KEPT = timedelta(days=400)
_BATCH = 5_000


class Retention:
    """The retention job, reading its periods from settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def __call__(self, ctx: JobContext) -> None:
        settings = self._settings
        now = ctx.now()
        backbone = await delete_expired(
            ctx.pool,
            outbox_after=timedelta(days=settings.outbox_retention_days),
            inbox_after=timedelta(days=settings.inbox_retention_days),
        )
        webhooks = await self._delete(
            ctx,
            webhook_events.RETENTION_DELETE,
            now - timedelta(days=settings.webhook_event_retention_days),
        )
        sessions = await self._delete(
            ctx,
            user_sessions.RETENTION_DELETE,
            now - SESSION_KEPT_AFTER_EXPIRY,
            named={
                "idle": timedelta(minutes=settings.session_idle_minutes),
                "absolute": timedelta(hours=settings.session_absolute_hours),
            },
        )
        login_failures = await self._delete(
            ctx, sign_in_attempts.LOGIN_FAILURES_RETENTION_DELETE, now - ATTEMPTS_KEPT
        )
        signup_attempts = await self._delete(
            ctx, sign_in_attempts.SIGNUP_ATTEMPTS_RETENTION_DELETE, now - ATTEMPTS_KEPT
        )
        pending_signups = await self._delete(
            ctx, pending_signups_table.RETENTION_DELETE, now - ATTEMPTS_KEPT
        )
        member_changes = await self._delete(ctx, MEMBER_CHANGES_DELETE, now - MEMBER_CHANGES_KEPT)
        balances = await self._delete(ctx, BALANCE_HISTORY_DELETE, now - BALANCE_HISTORY_KEPT)
        retries = await self._delete(
            ctx,
            stuck_work.RETENTION_DELETE,
            now - timedelta(days=RUN_HISTORY_DAYS),
        )
        history = await runs.delete_history(ctx.pool, before=now - timedelta(days=RUN_HISTORY_DAYS))
        ctx.record(
            outbox_deleted=backbone.outbox_deleted,
            inbox_deleted=backbone.inbox_deleted,
            webhook_events_deleted=webhooks,
            sessions_deleted=sessions,
            login_failures_deleted=login_failures,
            signup_attempts_deleted=signup_attempts,
            pending_signups_deleted=pending_signups,
            member_changes_deleted=member_changes,
            balance_history_deleted=balances,
            stuck_work_retries_deleted=retries,
            job_runs_deleted=history,
        )

    async def _delete(
        self,
        ctx: JobContext,
        statement: str,
        cutoff: datetime,
        *,
        named: dict[str, timedelta] | None = None,
    ) -> int:
        deleted = 0
        while True:
            async with ctx.transaction() as cur:
                if named is None:
                    await cur.execute(statement, (cutoff, _BATCH))
                else:
                    await cur.execute(statement, {"cutoff": cutoff, "batch": _BATCH, **named})
                count = int(cur.rowcount)
            deleted += count
            if count < _BATCH:
                return deleted
