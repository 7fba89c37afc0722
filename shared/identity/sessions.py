"""Signed-in sessions stored in Postgres, so any replica can serve any request.

The cookie carries a random 256-bit token; the table keeps only its SHA-256.
A session ends after `idle` without a request, `absolute` after sign-in, at
sign-out, or when its user is disabled. `last_seen_at` is written at most once a
minute per session so that reads stay reads.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.database import Cursor
from shared.identity.users import Role

TOKEN_BYTES = 32
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class NewSession:
    """What sign-in hands to the browser: the cookie token and the CSRF token."""

    token: str
    csrf_token: str


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user behind a live session, with the session's CSRF token."""

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        """True for admins."""
        return self.role is Role.ADMIN


def token_hash(token: str) -> bytes:
    """What the table stores for a cookie token."""
    return hashlib.sha256(token.encode()).digest()


async def create_session(cur: Cursor, user_id: uuid.UUID) -> NewSession:
    """Start a session with fresh tokens (a new one at every sign-in)."""
    session = NewSession(
        token=secrets.token_urlsafe(TOKEN_BYTES), csrf_token=secrets.token_urlsafe(TOKEN_BYTES)
    )
    await cur.execute(
        "INSERT INTO user_sessions (token_hash, user_id, csrf_token) VALUES (%s, %s, %s)",
        (token_hash(session.token), str(user_id), session.csrf_token),
    )
    return session


# What makes the session `s` of user `u` live (params `idle`, `absolute`).
LIVE_SESSION_CONDITIONS = """
    s.revoked_at IS NULL AND u.disabled_at IS NULL
    AND s.last_seen_at > now() - %(idle)s AND s.created_at > now() - %(absolute)s
"""
# The user of a token hash's live session, touching its `last_seen_at` when older than
# TOUCH_EVERY_SECONDS (param `touch`).
LIVE_SESSION_SQL = f"""
    WITH live AS (
        SELECT s.token_hash, s.csrf_token, u.id, u.email, u.full_name, u.role,
               s.last_seen_at < now() - %(touch)s AS stale
          FROM user_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = %(hash)s AND {LIVE_SESSION_CONDITIONS}
    ), touched AS (
        UPDATE user_sessions SET last_seen_at = now()
         WHERE token_hash = %(hash)s AND token_hash IN (SELECT token_hash FROM live WHERE stale)
    )
    SELECT id, email, full_name, role, csrf_token FROM live
"""  # noqa: S608 - constant SQL
LIVE_SESSION_TYPES = {
    "hash": "bytea",
    "idle": "interval",
    "absolute": "interval",
    "touch": "interval",
}


def live_session_params(token: str, *, idle: timedelta, absolute: timedelta) -> dict[str, Any]:
    """The parameters of `LIVE_SESSION_SQL` for a cookie token."""
    return {
        "hash": token_hash(token),
        "idle": idle,
        "absolute": absolute,
        "touch": timedelta(seconds=TOUCH_EVERY_SECONDS),
    }


def session_user_from_row(row: tuple[Any, ...] | None) -> SessionUser | None:
    """The user of a `LIVE_SESSION_SQL` row (None when no live session matched)."""
    if row is None:
        return None
    return SessionUser(
        id=uuid.UUID(str(row[0])),
        email=row[1],
        full_name=row[2],
        role=Role(row[3]),
        csrf_token=row[4],
    )


async def live_session_user(
    cur: Cursor, token: str, *, idle: timedelta, absolute: timedelta
) -> SessionUser | None:
    """The user of a live session, touching it at most once a minute, in one statement."""
    await cur.execute(LIVE_SESSION_SQL, live_session_params(token, idle=idle, absolute=absolute))
    return session_user_from_row(await cur.fetchone())


async def revoke_session(cur: Cursor, token: str) -> uuid.UUID | None:
    """End one session (sign-out); returns its user id when it was live."""
    await cur.execute(
        "UPDATE user_sessions SET revoked_at = now()"
        " WHERE token_hash = %s AND revoked_at IS NULL RETURNING user_id",
        (token_hash(token),),
    )
    row = await cur.fetchone()
    return None if row is None else uuid.UUID(str(row[0]))


async def revoke_user_sessions(cur: Cursor, user_id: uuid.UUID) -> int:
    """End every live session of a user (when they are disabled); returns how many."""
    await cur.execute(
        "UPDATE user_sessions SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL",
        (str(user_id),),
    )
    return int(cur.rowcount)
