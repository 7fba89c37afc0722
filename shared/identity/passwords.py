"""Password hashing with argon2id, always off the event loop.

Hashing costs tens of milliseconds of CPU by design, so it runs in a worker
thread (argon2 releases the GIL). Unknown accounts are checked against a dummy
hash so a wrong email and a wrong password take the same time.
"""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are RFC 9106's low-memory profile: argon2id, t=3, m=64 MiB, p=4.
_HASHER = PasswordHasher()


def hash_password_sync(password: str) -> str:
    """An argon2id hash (blocking: call `hash_password` from async code)."""
    return _HASHER.hash(password)


async def hash_password(password: str) -> str:
    """An argon2id hash, computed in a worker thread."""
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password-0!")


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; with no hash, burn the same time and say False."""
    if password_hash is None:
        await asyncio.to_thread(_verify, _dummy_hash(), password)
        return False
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters and should be redone at sign-in."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
