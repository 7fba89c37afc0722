"""The security events of an account: the append-only `account_events` table.

Written in the transaction of the change it records, so an event is there exactly
when the change is. It holds ids and an event name, never a password or a code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.database import Cursor


class AccountEvent(StrEnum):
    """What happened to the account."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
    MFA_ENABLED = "mfa_enabled"
    MFA_RESET = "mfa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"


@dataclass(frozen=True)
class AccountEventRow:
    """One recorded event."""

    id: int
    user_id: uuid.UUID
    actor_id: uuid.UUID | None
    event: AccountEvent
    request_id: str | None
    occurred_at: datetime


async def record(
    cur: Cursor,
    *,
    user_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    event: AccountEvent,
    request_id: str | None,
) -> None:
    """Append one event; `actor_id` None means an operator command."""
    await cur.execute(
        "INSERT INTO account_events (user_id, actor_id, event, request_id) VALUES (%s, %s, %s, %s)",
        (str(user_id), str(actor_id) if actor_id else None, event.value, request_id),
    )


async def events_of(cur: Cursor, user_id: uuid.UUID, *, limit: int = 50) -> list[AccountEventRow]:
    """The account's latest events, newest first."""
    await cur.execute(
        "SELECT id, user_id, actor_id, event, request_id, occurred_at FROM account_events"
        " WHERE user_id = %s ORDER BY id DESC LIMIT %s",
        (str(user_id), limit),
    )
    return [
        AccountEventRow(
            id=row[0],
            user_id=uuid.UUID(str(row[1])),
            actor_id=uuid.UUID(str(row[2])) if row[2] else None,
            event=AccountEvent(row[3]),
            request_id=row[4],
            occurred_at=row[5],
        )
        for row in await cur.fetchall()
    ]
