"""Every statement that writes `pending_signups`, and the verification tokens they hold.

A token is 32 random bytes (URL-safe base64, 43 characters); only its SHA-256 is
stored, so a copy of the table cannot complete anyone's sign-up. Verification
attempts are counted before the password is checked (`take_attempt`), so a link's
holder gets at most `MAX_ATTEMPTS` guesses however many requests arrive at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.database import Cursor

TOKEN_BYTES = 32
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 - a shape, not a secret
LIFETIME = timedelta(hours=24)
MAX_ATTEMPTS = 5


def new_token() -> str:
    """A fresh single-use verification token (what the email carries)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What is stored and looked up: SHA-256 of the token."""
    return hashlib.sha256(token.encode("ascii")).digest()


@dataclass(frozen=True)
class Pending:
    """A sign-up waiting for its link to be used."""

    id: uuid.UUID
    email: str
    full_name: str | None
    country: str
    password_hash: str


async def insert(
    cur: Cursor,
    *,
    email: str,
    full_name: str | None,
    country: str,
    password_hash: str,
    token: str,
    now: datetime,
) -> uuid.UUID:
    """Record a pending sign-up whose link expires `LIFETIME` from `now`."""
    pending_id = uuid.uuid4()
    await cur.execute(
        "INSERT INTO pending_signups (id, email, full_name, country, password_hash, token_hash,"
        " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            str(pending_id),
            email,
            full_name,
            country,
            password_hash,
            token_hash(token),
            now,
            now + LIFETIME,
        ),
    )
    return pending_id


async def take_attempt(cur: Cursor, token: str, *, now: datetime) -> Pending | None:
    """Count one verification attempt on a live link; None when the link is not usable.

    Not usable: unknown, expired, already used, or out of attempts; the caller gives
    the same answer for all of them.
    """
    await cur.execute(
        "UPDATE pending_signups SET attempts = attempts + 1"
        " WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s AND attempts < %s"
        " RETURNING id, email, full_name, country, password_hash",
        (token_hash(token), now, MAX_ATTEMPTS),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return Pending(id=row[0], email=row[1], full_name=row[2], country=row[3], password_hash=row[4])


async def consume(cur: Cursor, pending_id: uuid.UUID, *, now: datetime) -> bool:
    """Mark the link used; False when another request used it first or it just expired."""
    await cur.execute(
        "UPDATE pending_signups SET used_at = %s"
        " WHERE id = %s AND used_at IS NULL AND expires_at > %s RETURNING id",
        (now, str(pending_id), now),
    )
    return await cur.fetchone() is not None


async def link_member(cur: Cursor, pending_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """Remember which member the used link created."""
    await cur.execute(
        "UPDATE pending_signups SET member_id = %s WHERE id = %s",
        (str(member_id), str(pending_id)),
    )


# Gateway retention (batched, the job's own transactions): sign-ups whose link expired
# before the cutoff, with the email and password hash they hold.
RETENTION_DELETE = (
    "DELETE FROM pending_signups WHERE id IN (SELECT id FROM pending_signups"
    " WHERE expires_at < %s ORDER BY id LIMIT %s)"
)
