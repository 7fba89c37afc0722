"""The access audit: who saw or changed which member's data, and in which request.

`audit_log` is append-only (a trigger refuses updates and deletes). Rows are
written in the same transaction as the change they describe. A view changes
nothing, so its row goes through the app's `AUDIT_WRITER` (group commit: the
views of concurrent requests share one transaction) and the screen is sent only
once that row is committed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from bff.web.keys import CURRENT_USER
from shared.database import Cursor
from shared.group_commit import GroupCommit
from shared.web.keys import POOL, REQUEST_ID


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


@dataclass(frozen=True)
class ViewRow:
    """A view to audit: who saw which member's what, in which request."""

    actor_id: uuid.UUID
    member_id: uuid.UUID
    resource: str
    request_id: str


AUDIT_WRITER: web.AppKey[GroupCommit[ViewRow, None]] = web.AppKey("audit_writer")


def views_sql(*, actor: str, member: str, request_id: str, source: str, resource: str) -> str:
    """SQL (a CTE body) appending a view of `resource` per row of `source`, whose columns
    `actor`, `member` and `request_id` name the viewer, the member and the request.

    For one-statement screens that read and audit together (the member page's hot path):
    the row is written by the statement that reads the data, so it commits with it.
    """
    for name in (actor, member, request_id, source, resource):
        if not name.isidentifier():
            raise ValueError(f"not an SQL name: {name!r}")
    return (
        "INSERT INTO audit_log (actor_id, member_id, action, resource, request_id)"  # noqa: S608 - names checked above
        f" SELECT {actor}, {member}, '{AuditAction.VIEW.value}', '{resource}',"
        f" {request_id} FROM {source}"
    )


async def write_views(cur: Cursor, rows: Sequence[ViewRow]) -> list[None]:
    """Append the view rows of one group commit in one statement."""
    await cur.execute(
        "INSERT INTO audit_log (actor_id, member_id, action, resource, request_id)"
        " SELECT actor, member, %s, resource, request"
        " FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[])"
        "   AS t(actor, member, resource, request)",
        (
            AuditAction.VIEW.value,
            [str(row.actor_id) for row in rows],
            [str(row.member_id) for row in rows],
            [row.resource for row in rows],
            [row.request_id for row in rows],
        ),
    )
    return [None] * len(rows)


async def record_view(
    request: web.Request, *, actor_id: uuid.UUID, member_id: uuid.UUID, resource: str
) -> None:
    """Audit a view and return once its row is committed (before the data is sent)."""
    await request.app[AUDIT_WRITER].submit(
        ViewRow(actor_id, member_id, resource, request[REQUEST_ID])
    )


async def audit_writer_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the group-commit writer of view rows (pending rows written on close)."""
    async with GroupCommit(
        app[POOL], write_views, name="audit-views", one_statement=True
    ) as writer:
        app[AUDIT_WRITER] = writer
        yield


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
