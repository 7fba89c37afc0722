"""Advisor and admin accounts: every statement that writes the `users` table."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.database import Cursor

_COLUMNS = (
    "id, email, full_name, role, disabled_at, created_at, password_change_required,"
    " EXISTS (SELECT 1 FROM user_mfa f WHERE f.user_id = users.id AND f.confirmed_at IS NOT NULL)"
)


class Role(StrEnum):
    """What a user may do: advisors serve their members, admins see all and assign."""

    ADVISOR = "advisor"
    ADMIN = "admin"


class User(BaseModel):
    """A user as the application sees it (never with the password hash)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    disabled_at: datetime | None
    created_at: datetime
    password_change_required: bool = False
    mfa_enabled: bool = False

    @property
    def is_admin(self) -> bool:
        """True for admins."""
        return self.role is Role.ADMIN

    def mfa_required(self, *, for_everyone: bool) -> bool:
        """True when this user must sign in with MFA (admins always must)."""
        return self.is_admin or for_everyone


class EmailTaken(Exception):
    """Another user already has this email (compared case-insensitively)."""


def _user(row: tuple[Any, ...]) -> User:
    return User(
        id=row[0],
        email=row[1],
        full_name=row[2],
        role=Role(row[3]),
        disabled_at=row[4],
        created_at=row[5],
        password_change_required=row[6],
        mfa_enabled=row[7],
    )


async def create_user(
    cur: Cursor, *, email: str, full_name: str, role: Role, password_hash: str
) -> User:
    """Insert a user; raises `EmailTaken` when the email is in use."""
    await cur.execute(
        f"INSERT INTO users (id, email, full_name, role, password_hash)"  # noqa: S608 - constant columns
        f" VALUES (%s, %s, %s, %s, %s) ON CONFLICT (lower(email)) DO NOTHING RETURNING {_COLUMNS}",
        (str(uuid.uuid4()), email, full_name, role.value, password_hash),
    )
    row = await cur.fetchone()
    if row is None:
        raise EmailTaken(email)
    return _user(row)


async def credentials_by_email(cur: Cursor, email: str) -> tuple[User, str] | None:
    """The user and their password hash, for sign-in."""
    await cur.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(email) = lower(%s)",  # noqa: S608
        (email,),
    )
    row = await cur.fetchone()
    return None if row is None else (_user(row), row[8])


async def get_user(cur: Cursor, user_id: uuid.UUID) -> User | None:
    """One user by id."""
    await cur.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (str(user_id),))  # noqa: S608
    row = await cur.fetchone()
    return None if row is None else _user(row)


async def list_users(cur: Cursor) -> list[User]:
    """Every user, by name."""
    await cur.execute(f"SELECT {_COLUMNS} FROM users ORDER BY lower(full_name), id")  # noqa: S608
    return [_user(row) for row in await cur.fetchall()]


async def set_password_hash(cur: Cursor, user_id: uuid.UUID, password_hash: str) -> None:
    """Replace a user's hash with one of the same password (a rehash at sign-in)."""
    await cur.execute(
        "UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, str(user_id))
    )


async def password_hash_of(cur: Cursor, user_id: uuid.UUID) -> str | None:
    """The user's current hash (to check the current password before a change)."""
    await cur.execute("SELECT password_hash FROM users WHERE id = %s", (str(user_id),))
    row = await cur.fetchone()
    return None if row is None else str(row[0])


async def set_new_password(
    cur: Cursor, user_id: uuid.UUID, password_hash: str, *, change_required: bool
) -> User | None:
    """Give the user a new password: their own (`change_required` off) or a temporary one
    an admin set, which they must change at their next sign-in."""
    await cur.execute(
        f"UPDATE users SET password_hash = %s, password_change_required = %s"  # noqa: S608
        f" WHERE id = %s RETURNING {_COLUMNS}",
        (password_hash, change_required, str(user_id)),
    )
    row = await cur.fetchone()
    return None if row is None else _user(row)


async def set_disabled(cur: Cursor, user_id: uuid.UUID, *, disabled: bool) -> User | None:
    """Disable or re-enable a user; the caller revokes sessions in the same transaction."""
    await cur.execute(
        f"UPDATE users SET disabled_at = CASE WHEN %s THEN coalesce(disabled_at, now()) END"  # noqa: S608
        f" WHERE id = %s RETURNING {_COLUMNS}",
        (disabled, str(user_id)),
    )
    row = await cur.fetchone()
    return None if row is None else _user(row)
