"""Small builders for the rows scheduler tests arrange (unique per test: the database is shared)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.database import Pool, transaction


async def advisor(pool: Pool) -> uuid.UUID:
    """An advisor user."""
    user_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash)"
            " VALUES (%s, %s, 'Avery Advisor', 'advisor', 'x')",
            (str(user_id), f"advisor-{user_id}@example.com"),
        )
    return user_id


async def member(
    pool: Pool, *, opted_in: bool = True, phone: str | None = "+15555550100", active: bool = True
) -> uuid.UUID:
    """A direct-to-consumer member."""
    member_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
            " access_type, status) VALUES (%s, %s, 'Sam Member', %s, 'US', %s, 'dtc', %s)",
            (
                str(member_id),
                f"member-{member_id}@example.com",
                phone,
                opted_in,
                "active" if active else "terminated",
            ),
        )
    return member_id


async def appointment(
    pool: Pool,
    member_id: uuid.UUID,
    advisor_id: uuid.UUID,
    starts_at: datetime,
    *,
    cancelled: bool = False,
) -> uuid.UUID:
    """A booked (or cancelled) 30-minute appointment."""
    appointment_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, status,"
            " source) VALUES (%s, %s, %s, %s, %s, %s, 'console')",
            (
                str(appointment_id),
                str(member_id),
                str(advisor_id),
                starts_at,
                starts_at + timedelta(minutes=30),
                "cancelled" if cancelled else "booked",
            ),
        )
    return appointment_id


async def linked_item(
    pool: Pool,
    member_id: uuid.UUID,
    *,
    sync_status: str = "idle",
    sync_started_at: datetime | None = None,
    last_synced_at: datetime | None = None,
    status: str = "active",
) -> uuid.UUID:
    """A linked login at the aggregator."""
    item_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO linked_items (id, member_id, provider_item_id, access_token_encrypted,"
            " status, sync_status, sync_started_at, last_synced_at)"
            " VALUES (%s, %s, %s, 'encrypted', %s, %s, %s, %s)",
            (
                str(item_id),
                str(member_id),
                f"item-{item_id}",
                status,
                sync_status,
                sync_started_at,
                last_synced_at,
            ),
        )
    return item_id


async def outbox_events(pool: Pool, event_type: str, correlation_prefix: str) -> list[str]:
    """Bodies of the outbox events of a type written by runs whose correlation id starts so."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT body FROM outbox WHERE event_type = %s AND correlation_id LIKE %s ORDER BY id",
            (event_type, correlation_prefix + "%"),
        )
        return [row[0] for row in await cur.fetchall()]
