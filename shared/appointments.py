"""Every statement that writes `appointments`: bookings from the console and from the provider.

Advisors book and cancel in the console (the bff); the scheduling provider's
bookings arrive through the gateway's worker, keyed by the provider's event URI
so repeats and out-of-order deliveries converge. Both deployables write the
table, so its one owner lives in `shared/`. Functions take the caller's cursor
and never commit; the callers write the matching events in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.database import Cursor

# What the console shows of an appointment, in this order (`appointment(row)` reads them).
COLUMNS = "id, starts_at, ends_at, status, source"


@dataclass(frozen=True)
class Appointment:
    """An appointment as the console shows it."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: Literal["booked", "cancelled"]
    source: Literal["console", "calendly"]


def appointment(row: tuple[Any, ...]) -> Appointment:
    """The appointment in a row whose first columns are `COLUMNS`."""
    return Appointment(uuid.UUID(str(row[0])), row[1], row[2], row[3], row[4])


async def book(
    cur: Cursor,
    appointment_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> Appointment:
    """Record a session booked in the console."""
    await cur.execute(
        "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, source)"  # noqa: S608
        f" VALUES (%s, %s, %s, %s, %s, 'console') RETURNING {COLUMNS}",
        (str(appointment_id), str(member_id), str(advisor_id), starts_at, ends_at),
    )
    return appointment(await cur.fetchone())


async def cancel(cur: Cursor, appointment_id: uuid.UUID) -> Appointment:
    """Cancel a session from the console (the caller locked the row and checked it is booked)."""
    await cur.execute(
        "UPDATE appointments SET status = 'cancelled', cancelled_at = now()"  # noqa: S608
        f" WHERE id = %s RETURNING {COLUMNS}",
        (str(appointment_id),),
    )
    return appointment(await cur.fetchone())


async def book_from_provider(
    cur: Cursor,
    *,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    provider_event_id: str,
) -> uuid.UUID | None:
    """Record a provider's booking once per provider event; its id, or None if already known."""
    await cur.execute(
        "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, status,"
        " source, provider_event_id) VALUES (%s, %s, %s, %s, %s, 'booked', 'calendly', %s)"
        " ON CONFLICT (provider_event_id) DO NOTHING RETURNING id",
        (str(uuid.uuid4()), str(member_id), str(advisor_id), starts_at, ends_at, provider_event_id),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None


async def cancel_from_provider(
    cur: Cursor,
    *,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    provider_event_id: str,
) -> uuid.UUID:
    """Cancel a provider's booking; one that overtakes its booking is recorded cancelled."""
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
