"""Signed-in sessions stored in Postgres, so any replica can serve any request.

The cookie carries a random 256-bit token; the table keeps only its SHA-256.
A session ends after `idle` without a request, `absolute` after sign-in, at
sign-out, or when its user is disabled. `last_seen_at` is written at most once a
minute per session so that reads stay reads.

A live session may still owe something before it reaches any data (see
`SessionUser.owes`): a new password after an admin reset, or MFA enrollment when MFA
is required for the user. A session records whether its sign-in proved the second
factor (`mfa_verified_at`); a user with MFA on gets no session before that.

Every statement that writes `user_sessions` is here: the bff's one-statement member page
composes `TOUCH_STALE_LIVE_SESSIONS`, gateway retention runs `RETENTION_DELETE`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
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


class Owed(StrEnum):
    """What a live session must do before it reaches any data, in the order it is asked."""

    PASSWORD_CHANGE = "password_change"  # noqa: S105 - a step name
    MFA_ENROLLMENT = "mfa_enrollment"
    # The user has MFA on but this session never proved it (signed in before enrolling
    # elsewhere): it is simply not signed in any more.
    MFA_SIGN_IN = "mfa_sign_in"


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user behind a live session, with the session's CSRF token."""

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    csrf_token: str
    password_change_required: bool = False
    mfa_enabled: bool = False
    mfa_verified: bool = False

    @property
    def is_admin(self) -> bool:
        """True for admins."""
        return self.role is Role.ADMIN

    def mfa_required(self, *, for_everyone: bool) -> bool:
        """True when this user must sign in with MFA (admins always must)."""
        return self.is_admin or for_everyone

    def owes(self, *, mfa_required_for_everyone: bool) -> list[Owed]:
        """What the session must still do before data is reachable (empty: nothing)."""
        owed = []
        if self.mfa_enabled and not self.mfa_verified:
            owed.append(Owed.MFA_SIGN_IN)
        if self.password_change_required:
            owed.append(Owed.PASSWORD_CHANGE)
        if not self.mfa_enabled and self.mfa_required(for_everyone=mfa_required_for_everyone):
            owed.append(Owed.MFA_ENROLLMENT)
        return owed


def token_hash(token: str) -> bytes:
    """What the table stores for a cookie token."""
    return hashlib.sha256(token.encode()).digest()


async def create_session(
    cur: Cursor, user_id: uuid.UUID, *, mfa_verified: bool = False
) -> NewSession:
    """Start a session with fresh tokens (a new one at every sign-in)."""
    session = NewSession(
        token=secrets.token_urlsafe(TOKEN_BYTES), csrf_token=secrets.token_urlsafe(TOKEN_BYTES)
    )
    await cur.execute(
        "INSERT INTO user_sessions (token_hash, user_id, csrf_token, mfa_verified_at)"
        " VALUES (%s, %s, %s, CASE WHEN %s THEN now() END)",
        (token_hash(session.token), str(user_id), session.csrf_token, mfa_verified),
    )
    return session


async def mark_mfa_verified(cur: Cursor, token: str) -> None:
    """Record that this session proved the second factor (at MFA enrollment)."""
    await cur.execute(
        "UPDATE user_sessions SET mfa_verified_at = now() WHERE token_hash = %s",
        (token_hash(token),),
    )


# What makes the session `s` of user `u` live (params `idle`, `absolute`).
LIVE_SESSION_CONDITIONS = """
    s.revoked_at IS NULL AND u.disabled_at IS NULL
    AND s.last_seen_at > now() - %(idle)s AND s.created_at > now() - %(absolute)s
"""
# Whether user `u` has MFA on.
_MFA_ENABLED = (
    "EXISTS (SELECT 1 FROM user_mfa f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)"
)
# What makes the live session `s` of user `u` owe nothing (`SessionUser.owes` in SQL; param
# `mfa_required`: MFA is required for every user, not only admins): for hot paths that
# answer only fully signed-in sessions and leave every refusal to the usual checks.
CLEARED_SESSION_CONDITIONS = f"""
    NOT u.password_change_required
    AND (s.mfa_verified_at IS NOT NULL
         OR (u.role <> 'admin' AND NOT %(mfa_required)s AND NOT {_MFA_ENABLED}))
"""
# Retention's batched delete of sessions that had ended by `%(cutoff)s`: revoked, idle for
# `%(idle)s` or older than `%(absolute)s` (`gateway.retention`, `%(batch)s` rows at a time).
RETENTION_DELETE = (
    "DELETE FROM user_sessions WHERE token_hash IN (SELECT token_hash FROM user_sessions"
    " WHERE revoked_at < %(cutoff)s OR last_seen_at < %(cutoff)s - %(idle)s"
    " OR created_at < %(cutoff)s - %(absolute)s LIMIT %(batch)s)"
)
# A CTE body for one-statement hot paths that check sessions themselves: touches the
# sessions of CTE `live`'s rows (columns `token_hash`, `stale`) flagged stale.
TOUCH_STALE_LIVE_SESSIONS = """
        UPDATE user_sessions SET last_seen_at = now()
         WHERE token_hash IN (SELECT token_hash FROM live WHERE stale)
"""
# The user of a token hash's live session, touching its `last_seen_at` when older than
# TOUCH_EVERY_SECONDS (param `touch`).
LIVE_SESSION_SQL = f"""
    WITH live AS (
        SELECT s.token_hash, s.csrf_token, u.id, u.email, u.full_name, u.role,
               u.password_change_required, {_MFA_ENABLED} AS mfa_enabled,
               s.mfa_verified_at IS NOT NULL AS mfa_verified,
               s.last_seen_at < now() - %(touch)s AS stale
          FROM user_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = %(hash)s AND {LIVE_SESSION_CONDITIONS}
    ), touched AS (
        UPDATE user_sessions SET last_seen_at = now()
         WHERE token_hash = %(hash)s AND token_hash IN (SELECT token_hash FROM live WHERE stale)
    )
    SELECT id, email, full_name, role, csrf_token, password_change_required, mfa_enabled,
           mfa_verified
      FROM live
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
        password_change_required=bool(row[5]),
        mfa_enabled=bool(row[6]),
        mfa_verified=bool(row[7]),
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


async def revoke_user_sessions(
    cur: Cursor, user_id: uuid.UUID, *, keep_token: str | None = None
) -> int:
    """End every live session of a user but `keep_token`'s; returns how many.

    Disabling a user or an admin reset ends them all; a password change or MFA
    enrollment keeps the session that made it.
    """
    await cur.execute(
        "UPDATE user_sessions SET revoked_at = now()"
        " WHERE user_id = %s AND revoked_at IS NULL AND token_hash IS DISTINCT FROM %s",
        (str(user_id), token_hash(keep_token) if keep_token is not None else None),
    )
    return int(cur.rowcount)
