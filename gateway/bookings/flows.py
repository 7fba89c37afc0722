"""Bookings flow: bookings and cancellations made in the scheduling provider.

The webhook stored the verified body; this handler reads it back, finds the
member by the invitee's email and the advisor by the event host's email
(`scheduled_event.event_memberships[].user_email`), falling back to the
member's assigned advisor when the host is not one of our users, and books
or cancels the appointment keyed by the provider's event URI (so repeats and
out-of-order deliveries converge). A booking that matches no member is
logged and left in `webhook_events`.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from connectors.bookings import InviteeWebhook
from shared import appointments
from shared.database import Cursor
from shared.events.appointments_sync import SchedulingInviteeReported
from shared.messaging import topology
from shared.messaging.consumer import Consumer, HandlerContext
from shared.messaging.errors import PermanentFailure

log = logging.getLogger(__name__)

QUEUE = topology.queue_by_name("gateway.scheduling")


def host_emails(raw: dict[str, Any]) -> list[str]:
    """Emails of the event's hosts, as the provider lists them (the connector model omits them)."""
    event = raw.get("payload", {}).get("scheduled_event") or {}
    memberships = event.get("event_memberships") or []
    return [
        str(m["user_email"]) for m in memberships if isinstance(m, dict) and m.get("user_email")
    ]


async def apply_invitee(ctx: HandlerContext[SchedulingInviteeReported]) -> None:
    """`scheduling.invitee_reported`: create or cancel the matching appointment."""
    data = ctx.data
    await ctx.cur.execute(
        "SELECT payload FROM webhook_events WHERE id = %s", (data.webhook_event_id,)
    )
    row = await ctx.cur.fetchone()
    if row is None:
        raise PermanentFailure(f"webhook event {data.webhook_event_id} is gone")
    hook = InviteeWebhook.model_validate_json(row[0])
    event = hook.payload.scheduled_event
    if event is None or not hook.payload.email:
        log.warning("invitee webhook without event or email; ignored")
        return
    member = await _member_by_email(ctx.cur, hook.payload.email)
    if member is None:
        log.warning("booking matches no member; ignored", extra={"event": data.event})
        return
    member_id, assigned_advisor = member
    advisor_id = None
    for email in host_emails(json.loads(row[0])):
        advisor_id = await _advisor_by_email(ctx.cur, email)
        if advisor_id is not None:
            break
    advisor_id = advisor_id or assigned_advisor
    if advisor_id is None:
        log.warning("booking matches no advisor; ignored", extra={"event": data.event})
        return
    record = (
        appointments.book_from_provider
        if data.event == "invitee.created"
        else appointments.cancel_from_provider
    )
    await record(
        ctx.cur,
        member_id=member_id,
        advisor_id=advisor_id,
        starts_at=event.start_time,
        ends_at=event.end_time,
        provider_event_id=event.uri,
    )


async def _member_by_email(cur: Cursor, email: str) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """(member id, assigned advisor id) of the active member with this email."""
    await cur.execute(
        "SELECT id, advisor_id FROM members WHERE lower(email) = lower(%s) AND status = 'active'",
        (email,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return uuid.UUID(str(row[0])), uuid.UUID(str(row[1])) if row[1] else None


async def _advisor_by_email(cur: Cursor, email: str) -> uuid.UUID | None:
    """The enabled advisor (or admin) user with this email."""
    await cur.execute(
        "SELECT id FROM users WHERE lower(email) = lower(%s) AND disabled_at IS NULL", (email,)
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None


def consumers() -> list[Consumer]:
    """The scheduling consumer: database work only, so it may take messages in batches."""
    return [Consumer(QUEUE, {SchedulingInviteeReported: apply_invitee}, batch_size=16)]
