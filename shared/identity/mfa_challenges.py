"""Pending second factors: the `mfa_challenges` table.

A right password for a user with MFA on opens a challenge instead of a session: a
random token (the browser keeps it in a short-lived cookie, the table its SHA-256)
that expires within minutes. Each code tried is counted before it is checked, under a
per-user lock, so however many requests arrive at once no more than the limits are
ever checked: `per_challenge` codes per challenge and `per_user` per window across all
of the user's challenges (a thief with the password cannot reset the count by signing
in again). A success deletes the user's challenges, which clears the count.
"""

from __future__ import annotations

import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from shared.database import Cursor
from shared.identity.sessions import TOKEN_BYTES, token_hash

# Challenges are kept this long for the per-user count, then pruned.
_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Counted:
    """The attempt is counted: check the code of this user now, in the same transaction."""

    user_id: uuid.UUID


@dataclass(frozen=True)
class Gone:
    """No such challenge, or it expired or used up its attempts: sign in again."""


@dataclass(frozen=True)
class Throttled:
    """The user's window is full: wait this many seconds."""

    retry_after: int


async def create(cur: Cursor, user_id: uuid.UUID, *, ttl: timedelta) -> str:
    """Open a challenge for the user; returns the token for the browser."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await cur.execute(
        "DELETE FROM mfa_challenges WHERE user_id = %s AND created_at < now() - %s",
        (str(user_id), _KEEP),
    )
    await cur.execute(
        "INSERT INTO mfa_challenges (token_hash, user_id, expires_at) VALUES (%s, %s, now() + %s)",
        (token_hash(token), str(user_id), ttl),
    )
    return token


async def count_attempt(
    cur: Cursor, token: str, *, per_challenge: int, per_user: int, window: timedelta
) -> Counted | Gone | Throttled:
    """Count one code tried against the challenge, or say why it may not be tried."""
    hashed = token_hash(token)
    await cur.execute("SELECT user_id FROM mfa_challenges WHERE token_hash = %s", (hashed,))
    row = await cur.fetchone()
    if row is None:
        return Gone()
    user_id = uuid.UUID(str(row[0]))
    # Serialise every attempt of this user, whichever challenge it comes through.
    await cur.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("mfa:" + str(user_id),)
    )
    await cur.execute(
        "SELECT expires_at > now(), attempts FROM mfa_challenges WHERE token_hash = %s",
        (hashed,),
    )
    row = await cur.fetchone()
    if row is None or not row[0] or row[1] >= per_challenge:
        return Gone()
    await cur.execute(
        "SELECT coalesce(sum(attempts), 0),"
        " EXTRACT(EPOCH FROM min(created_at) FILTER (WHERE attempts > 0) + %(window)s - now())"
        " FROM mfa_challenges WHERE user_id = %(user)s AND created_at > now() - %(window)s",
        {"user": str(user_id), "window": window},
    )
    used, wait = await cur.fetchone()
    if used >= per_user:
        return Throttled(max(1, math.ceil(float(wait or 1))))
    await cur.execute(
        "UPDATE mfa_challenges SET attempts = attempts + 1 WHERE token_hash = %s", (hashed,)
    )
    return Counted(user_id)


async def finish(cur: Cursor, user_id: uuid.UUID) -> None:
    """The second factor was proved: close every challenge of the user."""
    await cur.execute("DELETE FROM mfa_challenges WHERE user_id = %s", (str(user_id),))


async def discard(cur: Cursor, token: str) -> None:
    """Drop one challenge (the user went back to the password step)."""
    await cur.execute("DELETE FROM mfa_challenges WHERE token_hash = %s", (token_hash(token),))
