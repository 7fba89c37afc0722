"""The access audit: who saw or changed which member's data, and in which request.

`audit_log` is append-only (a trigger refuses updates and deletes). Rows are
written in the same transaction as the change they describe; the member
screen writes its own row inside its read statement (see `bff.member_screen`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from bff.keys import CURRENT_USER
from shared.database import Cursor
from shared.web.keys import REQUEST_ID


class AuditAction(StrEnum):
    """What the actor did."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditEntry(BaseModel):
    """One audit row as admins read it."""

    model_config = ConfigDict(frozen=True)

    id: int
    actor_id: uuid.UUID | None
    member_id: uuid.UUID | None
    action: str
    resource: str
    request_id: str | None
    occurred_at: datetime


async def record(
    cur: Cursor,
    request: web.Request,
    *,
    member_id: uuid.UUID | None,
    action: AuditAction,
    resource: str,
) -> None:
    """Append one row for the signed-in user's action in this request."""
    await cur.execute(
        "INSERT INTO audit_log (actor_id, member_id, action, resource, request_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        (
            str(request[CURRENT_USER].id),
            str(member_id) if member_id else None,
            action.value,
            resource,
            request[REQUEST_ID],
        ),
    )


async def list_entries(
    cur: Cursor,
    *,
    member_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    """Newest first, optionally for one member or one actor, before a cursor id."""
    await cur.execute(
        "SELECT id, actor_id, member_id, action, resource, request_id, occurred_at"
        " FROM audit_log"
        " WHERE (%(member)s::uuid IS NULL OR member_id = %(member)s::uuid)"
        " AND (%(actor)s::uuid IS NULL OR actor_id = %(actor)s::uuid)"
        " AND (%(before)s::bigint IS NULL OR id < %(before)s::bigint)"
        " ORDER BY id DESC LIMIT %(limit)s",
        {
            "member": str(member_id) if member_id else None,
            "actor": str(actor_id) if actor_id else None,
            "before": before_id,
            "limit": limit,
        },
    )
    return [
        AuditEntry(
            id=row[0],
            actor_id=row[1],
            member_id=row[2],
            action=row[3],
            resource=row[4],
            request_id=row[5],
            occurred_at=row[6],
        )
        for row in await cur.fetchall()
    ]
