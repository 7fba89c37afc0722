"""A user's TOTP authenticator: the `user_mfa` table.

A row without `confirmed_at` is an enrollment in progress (its secret shown once to the
user); confirming it with a valid code turns MFA on. The secret is stored encrypted by
the caller (`shared.identity.totp.TotpSecretCipher`); this module never sees it in clear.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.database import Cursor


@dataclass(frozen=True)
class Authenticator:
    """The stored authenticator of a user, locked for the caller's transaction."""

    secret_encrypted: str
    last_used_step: int
    confirmed: bool


async def start_enrollment(cur: Cursor, user_id: uuid.UUID, secret_encrypted: str) -> bool:
    """Store a new unconfirmed secret (replacing an earlier unconfirmed one).

    False when MFA is already on: an enrolled authenticator is only replaced after a reset.
    """
    await cur.execute(
        "INSERT INTO user_mfa (user_id, secret_encrypted) VALUES (%s, %s)"
        " ON CONFLICT (user_id) DO UPDATE"
        " SET secret_encrypted = EXCLUDED.secret_encrypted, created_at = now(),"
        "     last_used_step = 0"
        " WHERE user_mfa.confirmed_at IS NULL RETURNING user_id",
        (str(user_id), secret_encrypted),
    )
    return await cur.fetchone() is not None


async def locked_authenticator(cur: Cursor, user_id: uuid.UUID) -> Authenticator | None:
    """The user's authenticator, row-locked so code checks of one user run one at a time."""
    await cur.execute(
        "SELECT secret_encrypted, last_used_step, confirmed_at IS NOT NULL FROM user_mfa"
        " WHERE user_id = %s FOR UPDATE",
        (str(user_id),),
    )
    row = await cur.fetchone()
    return None if row is None else Authenticator(row[0], int(row[1]), bool(row[2]))


async def accept_step(cur: Cursor, user_id: uuid.UUID, step: int, *, confirm: bool) -> None:
    """Remember the step of an accepted code (no replay); `confirm` turns MFA on."""
    await cur.execute(
        "UPDATE user_mfa SET last_used_step = %s,"
        " confirmed_at = CASE WHEN %s THEN coalesce(confirmed_at, now()) ELSE confirmed_at END"
        " WHERE user_id = %s",
        (step, confirm, str(user_id)),
    )


async def remove(cur: Cursor, user_id: uuid.UUID) -> bool:
    """Forget the user's authenticator (an admin reset); True when one was there."""
    await cur.execute("DELETE FROM user_mfa WHERE user_id = %s", (str(user_id),))
    return int(cur.rowcount) > 0
