"""The member list: search by name or email, filters, sort, keyset cursor pagination.

The cursor is the last row's sort key and id, base64url-encoded JSON; pages stay
stable while members are added, and every page costs one index range scan.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from bff.members.access import visibility_clause
from bff.members.models import MemberList, MemberListItem, MemberListQuery, PersonRef
from bff.web.api import ApiProblem
from shared.database import Cursor
from shared.identity.sessions import SessionUser

_SORT_KEYS = {
    "name": ("lower(coalesce(m.full_name, ''))", "text"),
    "created_at": ("m.created_at", "timestamptz"),
}


def _encode_cursor(key: Any, member_id: Any) -> str:
    raw = json.dumps([str(key), str(member_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, key_type: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, member_id = json.loads(base64.urlsafe_b64decode(padded))
        if key_type == "timestamptz" and datetime.fromisoformat(str(key)).tzinfo is None:
            raise ValueError("naive time")
        return str(key), str(uuid.UUID(str(member_id)))
    except (ValueError, TypeError, binascii.Error):
        raise ApiProblem(
            422,
            "Invalid request",
            detail="Invalid fields: cursor",
            errors=[
                {"field": "cursor", "message": "not a cursor this API issued", "type": "cursor"}
            ],
        ) from None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_members(cur: Cursor, query: MemberListQuery, user: SessionUser) -> MemberList:
    """One page of the members this user may see."""
    descending = query.sort.startswith("-")
    key_sql, key_type = _SORT_KEYS[query.sort.lstrip("-")]
    direction, compare = ("DESC", "<") if descending else ("ASC", ">")
    params: dict[str, Any] = {
        "admin": user.is_admin,
        "user": str(user.id),
        "q": _like(query.q.strip()) if query.q and query.q.strip() else None,
        "access_type": query.access_type,
        "status": query.status,
        "advisor": str(query.advisor_id) if query.advisor_id else None,
        "limit": query.limit + 1,
    }
    where = [
        visibility_clause(),
        "(%(q)s::text IS NULL OR m.full_name ILIKE %(q)s OR m.email ILIKE %(q)s)",
        "(%(access_type)s::text IS NULL OR m.access_type = %(access_type)s)",
        "(%(status)s::text IS NULL OR m.status = %(status)s)",
        "(%(advisor)s::uuid IS NULL OR m.advisor_id = %(advisor)s::uuid)",
    ]
    if query.cursor:
        params["cursor_key"], params["cursor_id"] = _decode_cursor(query.cursor, key_type)
        where.append(
            f"({key_sql}, m.id) {compare} (%(cursor_key)s::{key_type}, %(cursor_id)s::uuid)"
        )
    sql = (
        f"SELECT m.id, m.full_name, m.email, m.access_type, e.name, a.id, a.full_name,"  # noqa: S608 - whitelisted fragments
        f" m.status, {key_sql}"
        " FROM members m LEFT JOIN employers e ON e.id = m.employer_id"
        " LEFT JOIN users a ON a.id = m.advisor_id"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY {key_sql} {direction}, m.id {direction} LIMIT %(limit)s"
    )
    await cur.execute(sql, params)
    rows = await cur.fetchall()
    items = [
        MemberListItem(
            id=row[0],
            full_name=row[1],
            email=row[2],
            access_type=row[3],
            employer_name=row[4],
            advisor=PersonRef(id=row[5], full_name=row[6]) if row[5] else None,
            status=row[7],
        )
        for row in rows[: query.limit]
    ]
    next_cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        next_cursor = _encode_cursor(
            last[8].isoformat() if key_type == "timestamptz" else last[8], last[0]
        )
    return MemberList(items=items, next_cursor=next_cursor)
