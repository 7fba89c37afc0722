"""Password hashing with argon2id at OWASP's floor, on one bounded thread.

Parameters: m=19 MiB, t=2, p=1 (OWASP's Password Storage Cheat Sheet minimum for
argon2id). A hash made with other parameters verifies as before and is redone at
the next successful sign-in (`needs_rehash`).

Hashing costs tens of milliseconds of CPU by design, so a burst of sign-ins
could take every core. Request handlers therefore hash through a `BoundedHasher`:
one worker thread (argon2-cffi releases the GIL, so the event loop keeps
serving on another core), paced to 40% of a core's CPU time by default, and a
short queue; past the queue a hash is refused at once with `HashingBusy`, which
the caller answers 503 with `Retry-After`.
Unknown accounts are checked against a dummy hash so a wrong email and a
wrong password take the same time.

The module-level functions hash on a fresh thread without a bound: they are
for command-line tools and tests, never for request handlers.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")

# OWASP's minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)

# Hashes allowed to wait behind the one being computed (about 20 ms each on one core).
DEFAULT_MAX_WAITING = 16
# The share of one core hashing may use, counted in the hashing thread's CPU time: the
# thread rests after each hash so that over time it works at most this fraction.
DEFAULT_CPU_SHARE = 0.4
# The hashing thread's nice value (0: the same priority as the event loop).
HASHING_NICENESS = 0
BUSY_RETRY_AFTER_SECONDS = 1


class HashingBusy(Exception):
    """More passwords are waiting to be hashed than the queue holds: try again shortly."""

    retry_after = BUSY_RETRY_AFTER_SECONDS


class Hasher(Protocol):
    """What request handlers hash and verify passwords with (tests hand in their own)."""

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches; with no hash, burn the same time and say False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash should be redone with the current parameters."""
        ...


def hash_password_sync(password: str) -> str:
    """An argon2id hash (blocking: command-line tools and test builders)."""
    return _HASHER.hash(password)


def _verify(password_hash: str | None, password: str) -> bool:
    """Blocking verification; with no hash, the dummy one (made on first use, off the loop)."""
    try:
        if password_hash is None:
            _HASHER.verify(_dummy_hash(), password)
            return False
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password-0!")


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters and should be redone at sign-in."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


async def hash_password(password: str) -> str:
    """An argon2id hash on a fresh thread (command-line tools: handlers use a `BoundedHasher`)."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Verify on a fresh thread (command-line tools: handlers use a `BoundedHasher`)."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _lower_priority(niceness: int) -> None:
    """Make the calling thread yield the CPU to the event loop (Linux: nice is per thread)."""
    if sys.platform != "linux" or niceness <= 0:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        pass  # not permitted here: hashing simply keeps the process's priority


class BoundedHasher:
    """Hashes on one thread with at most `max_waiting` hashes queued behind the running one.

    The count covers work the thread has not finished, not callers still waiting:
    a caller that gives up (its request cancelled) frees its place only when its
    hash is done or was dropped before it started, so the queue bounds real work.
    """

    def __init__(
        self,
        *,
        max_waiting: int = DEFAULT_MAX_WAITING,
        cpu_share: float = DEFAULT_CPU_SHARE,
        niceness: int = HASHING_NICENESS,
    ) -> None:
        if not 0 < cpu_share <= 1:
            raise ValueError("cpu_share must be in (0, 1]")
        self._rest_per_work = 1 / cpu_share - 1
        self._rest_until = 0.0  # monotonic time; read and written on the hashing thread only
        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="argon2",
            initializer=_lower_priority,
            initargs=(niceness,),
        )
        self._capacity = 1 + max_waiting
        self._unfinished = 0
        self._lock = threading.Lock()

    @property
    def unfinished(self) -> int:
        """Hashes running or queued right now."""
        return self._unfinished

    async def hash(self, password: str) -> str:
        """An argon2id hash, or `HashingBusy` when the queue is full."""
        return await self._run(self._paced, _HASHER.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches, or `HashingBusy` when the queue is full."""
        return await self._run(self._paced, _verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters (cheap: reads the prefix)."""
        return needs_rehash(password_hash)

    def close(self) -> None:
        """Drop queued hashes and stop the thread once the running one is done."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._unfinished >= self._capacity:
                raise HashingBusy()
            self._unfinished += 1
        try:
            future: Future[T] = self._executor.submit(function, *args)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _paced(self, function: Callable[..., T], *args: object) -> T:
        """On the hashing thread: rest off the last hash's debt, then hash and note the new one.

        Resting before the next hash, not after this one, answers this caller at once;
        only a burst is slowed down, to `cpu_share` of a core.
        """
        rest = self._rest_until - time.monotonic()
        if rest > 0:
            time.sleep(rest)
        started = time.thread_time()
        try:
            return function(*args)
        finally:
            used = time.thread_time() - started
            self._rest_until = time.monotonic() + used * self._rest_per_work

    def _release(self, _: object) -> None:
        # Runs on the hashing thread when work finishes, or here when it is cancelled.
        with self._lock:
            self._unfinished -= 1
