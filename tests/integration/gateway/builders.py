"""Small builders for the rows the gateway's flows act on (unique per call)."""

from __future__ import annotations

import random
import uuid
from typing import Any

from shared.database import Pool, connection_cursor, transaction
from shared.events import REGISTRY, SmsRequested
from shared.messaging import outbox
from shared.messaging.envelope import Envelope


def unique_phone() -> str:
    """A US number in the simulator's delivered range, different per call."""
    return f"+1555{random.randint(1_000_000, 9_999_999)}"


async def advisor(pool: Pool, email: str | None = None) -> tuple[uuid.UUID, str]:
    user_id = uuid.uuid4()
    email = email or f"advisor-{user_id.hex[:10]}@example.com"
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash)"
            " VALUES (%s, %s, 'Ada Advisor', 'advisor', 'x')",
            (str(user_id), email),
        )
    return user_id, email


async def member(
    pool: Pool,
    *,
    phone: str | None = None,
    sms_opt_in: bool = True,
    advisor_id: uuid.UUID | None = None,
    email: str | None = None,
) -> tuple[uuid.UUID, str]:
    member_id = uuid.uuid4()
    email = email or f"member-{member_id.hex[:10]}@example.com"
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
            " access_type, advisor_id) VALUES (%s, %s, 'Sam Member', %s, 'US', %s, 'dtc', %s)",
            (
                str(member_id),
                email,
                phone,
                sms_opt_in,
                str(advisor_id) if advisor_id else None,
            ),
        )
    return member_id, email


async def sms_message(
    pool: Pool,
    member_id: uuid.UUID,
    *,
    status: str = "requested",
    provider_message_id: str | None = None,
    body: str = "Hello from your advisor",
    emit: bool = False,
) -> uuid.UUID:
    """A message row; with `emit`, its `sms.requested` in the same transaction (as the bff)."""
    message_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO sms_messages (id, member_id, body, status, provider_message_id)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(message_id), str(member_id), body, status, provider_message_id),
        )
        if emit:
            await outbox.add(cur, sms_requested(message_id, member_id))
    return message_id


def sms_requested(message_id: uuid.UUID, member_id: uuid.UUID) -> Envelope:
    return REGISTRY.build(
        SmsRequested(message_id=message_id, member_id=member_id),
        name="sms.requested",
        producer="tests",
        correlation_id=f"test-{message_id.hex[:8]}",
    )


async def message_row(pool: Pool, message_id: uuid.UUID) -> tuple[str, str | None, str | None]:
    """(status, provider message id, error code) of a message."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "SELECT status, provider_message_id, error_code FROM sms_messages WHERE id = %s",
            (str(message_id),),
        )
        row = await cur.fetchone()
    return row[0], row[1], row[2]


async def outbox_events(pool: Pool, event_type: str, contains: str) -> list[str]:
    """Bodies of outbox events of `event_type` whose body mentions `contains`."""
    async with connection_cursor(pool) as cur:
        await cur.execute(
            "SELECT body FROM outbox WHERE event_type = %s AND body LIKE %s ORDER BY id",
            (event_type, f"%{contains}%"),
        )
        return [row[0] for row in await cur.fetchall()]


async def scalar(pool: Pool, sql: str, *params: object) -> Any:
    async with connection_cursor(pool) as cur:
        await cur.execute(sql, params)
        row = await cur.fetchone()
    return row[0]
