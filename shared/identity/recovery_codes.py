"""Single-use MFA recovery codes: the `mfa_recovery_codes` table.

Ten codes are made when MFA is turned on and shown once. Each holds 120 random bits
(24 base32 characters, typed in groups of four), so a SHA-256 is a safe way to store
them (ASVS 6.5.2 asks for a slow hash only below 112 bits). Using one marks it used
in the same statement that checks it, so two requests cannot both spend it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid

from shared.database import Cursor

CODE_COUNT = 10
_CODE_BYTES = 15  # 120 bits: 24 base32 characters
_GROUP = 4


def new_codes(count: int = CODE_COUNT) -> list[str]:
    """Fresh codes as shown to the user: `ABCD-EFGH-...`."""
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(_CODE_BYTES)).decode("ascii")
        codes.append("-".join(raw[i : i + _GROUP] for i in range(0, len(raw), _GROUP)))
    return codes


def normalise(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> bytes:
    """What the table keeps of a code."""
    return hashlib.sha256(normalise(code).encode("ascii", "ignore")).digest()


async def replace_codes(cur: Cursor, user_id: uuid.UUID, codes: list[str]) -> None:
    """Store these codes as the user's only ones (earlier codes stop working)."""
    await cur.execute("DELETE FROM mfa_recovery_codes WHERE user_id = %s", (str(user_id),))
    await cur.execute(
        "INSERT INTO mfa_recovery_codes (user_id, code_hash)"
        " SELECT %s, hash FROM unnest(%s::bytea[]) AS t(hash)",
        (str(user_id), [code_hash(code) for code in codes]),
    )


async def use_code(cur: Cursor, user_id: uuid.UUID, code: str) -> bool:
    """Spend one unused code of the user; False when it is wrong or already used."""
    await cur.execute(
        "UPDATE mfa_recovery_codes SET used_at = now()"
        " WHERE user_id = %s AND code_hash = %s AND used_at IS NULL RETURNING id",
        (str(user_id), code_hash(code)),
    )
    return await cur.fetchone() is not None


async def remaining(cur: Cursor, user_id: uuid.UUID) -> int:
    """How many unused codes the user has left."""
    await cur.execute(
        "SELECT count(*) FROM mfa_recovery_codes WHERE user_id = %s AND used_at IS NULL",
        (str(user_id),),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def remove_all(cur: Cursor, user_id: uuid.UUID) -> None:
    """Forget every code of the user (an admin MFA reset)."""
    await cur.execute("DELETE FROM mfa_recovery_codes WHERE user_id = %s", (str(user_id),))
