"""The SMS part of the stuck-work sweep: requests that never reached the provider.

An SMS still `requested` after 15 minutes: the request was lost or
dead-lettered. `sms.requested` is written again (the worker sends only a
`requested` row, so a duplicate is harmless), up to 3 times; then the message
fails (`error_code` `stuck_requested`). While the `sms.dispatch` switch pauses
sending, waiting messages are waiting on purpose and are left alone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gateway.stuck_work import retry_or_give_up
from shared.database import Cursor
from shared.events import SmsRequested
from shared.jobs.job import JobContext
from shared.sms import messages as sms_messages

SMS_REQUESTED_AFTER = timedelta(minutes=15)


async def sweep_requested(
    ctx: JobContext, cur: Cursor, now: datetime, switches: dict[str, bool]
) -> None:
    """Retry (or fail) SMS stuck in `requested`, unless sending is paused."""
    if not switches["sms.dispatch"]:
        ctx.record(sms="paused by the sms.dispatch switch")
        return
    retry, give_up = await retry_or_give_up(
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
        await sms_messages.fail_stuck_requested(cur, give_up, now=now)
    ctx.record(sms_requested_retried=len(retry), sms_requested_failed=len(give_up))
