"""Who may see which member: an advisor their own members, an admin every member.

Every member-scoped route starts here. A member the caller may not see answers
404 exactly like one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from bff.web.api import not_found
from shared.database import Cursor
from shared.identity.sessions import SessionUser


@dataclass(frozen=True)
class MemberRef:
    """The few facts routes need before acting on a member."""

    id: uuid.UUID
    full_name: str | None
    phone_e164: str | None
    sms_opt_in: bool
    advisor_id: uuid.UUID | None
    status: str


def visibility_clause(alias: str = "m") -> str:
    """SQL that keeps only members the user may see (params `admin`, `user`)."""
    return f"(%(admin)s OR {alias}.advisor_id = %(user)s::uuid)"


async def visible_member(
    cur: Cursor, member_id: uuid.UUID, user: SessionUser, *, lock: bool = False
) -> MemberRef:
    """The member when this user may see them, else a 404 problem (optionally row-locked)."""
    await cur.execute(
        "SELECT m.id, m.full_name, m.phone_e164, m.sms_opt_in, m.advisor_id, m.status"  # noqa: S608
        " FROM members m WHERE m.id = %(member)s AND "
        + visibility_clause()
        + (" FOR UPDATE" if lock else ""),
        {"member": str(member_id), "admin": user.is_admin, "user": str(user.id)},
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found()
    return MemberRef(
        id=uuid.UUID(str(row[0])),
        full_name=row[1],
        phone_e164=row[2],
        sms_opt_in=row[3],
        advisor_id=uuid.UUID(str(row[4])) if row[4] else None,
        status=row[5],
    )
