"""Appointments booked through the scheduling provider, and who they are with."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.database import Cursor


async def member_by_email(cur: Cursor, email: str) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """(member id, assigned advisor id) of the active member with this email."""
    await cur.execute(
        "SELECT id, advisor_id FROM members WHERE lower(email) = lower(%s) AND status = 'active'",
        (email,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return uuid.UUID(str(row[0])), uuid.UUID(str(row[1])) if row[1] else None


async def advisor_by_email(cur: Cursor, email: str) -> uuid.UUID | None:
    """The enabled advisor (or admin) user with this email."""
    await cur.execute(
        "SELECT id FROM users WHERE lower(email) = lower(%s) AND disabled_at IS NULL", (email,)
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None


async def book(
    cur: Cursor,
    *,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    provider_event_id: str,
) -> uuid.UUID | None:
    """Record a booking once per provider event; its id, or None if already known."""
    await cur.execute(
        "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, status,"
        " source, provider_event_id) VALUES (%s, %s, %s, %s, %s, 'booked', 'calendly', %s)"
        " ON CONFLICT (provider_event_id) DO NOTHING RETURNING id",
        (str(uuid.uuid4()), str(member_id), str(advisor_id), starts_at, ends_at, provider_event_id),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None


async def cancel(
    cur: Cursor,
    *,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    provider_event_id: str,
) -> uuid.UUID:
    """Cancel the booking; a cancellation that overtakes its booking is recorded cancelled."""
    await cur.execute(
        "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, status,"
        " source, provider_event_id, cancelled_at)"
        " VALUES (%s, %s, %s, %s, %s, 'cancelled', 'calendly', %s, now())"
        " ON CONFLICT (provider_event_id) DO UPDATE SET status = 'cancelled',"
        " cancelled_at = COALESCE(appointments.cancelled_at, now())"
        " RETURNING id",
        (str(uuid.uuid4()), str(member_id), str(advisor_id), starts_at, ends_at, provider_event_id),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0]))
