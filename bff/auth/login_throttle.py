"""Login throttling in Postgres: failures counted in sliding windows, never a permanent lock.

Three windows (see `bff.web.limits.Limits`): per account and client IP, per account, and
per client IP. Once a window is full the caller waits until its oldest counted
failure ages out, which `Retry-After` tells them. A success clears the failures of
its account and IP pair, so the real user who finally gets in starts fresh.

Every attempt is counted as a failure *before* its password is verified, under
advisory locks on the account and on the address, and uncounted only when it
succeeds. So however many attempts arrive at once, at most the window's limit
are ever verified: the others find the window full and get 429 without a hash.
"""

from __future__ import annotations

import hashlib
import math

from bff.web.limits import Limits, WindowLimit, wait_sql
from shared.database import Cursor, Pool, connection_cursor
from shared.identity import sign_in_attempts
from shared.identity.passwords import Hasher, HashingBusy


def account_key(email: str) -> str:
    """How an account is counted: a hash of the lowercased email (no address stored)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class Throttled(Exception):
    """A window is full: the attempt was not counted and must not be verified."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _wait_expression(account: str, ip: str, limits: Limits) -> tuple[str, dict[str, object]]:
    """SQL for the seconds until every window has room (NULL when all have room now)."""
    windows: list[tuple[str, str, WindowLimit]] = [
        ("pair", "account_key = %(account)s AND client_ip = %(ip)s", limits.login_per_account_ip),
        ("per_account", "account_key = %(account)s", limits.login_per_account),
        ("per_ip", "client_ip = %(ip)s", limits.login_per_ip),
    ]
    params: dict[str, object] = {"account": account, "ip": ip}
    parts = []
    for name, where, limit in windows:
        wait, window_params = wait_sql(
            limit, name=name, table="login_failures", at="occurred_at", where=where
        )
        parts.append(wait)
        params.update(window_params)
    return "greatest(" + ",".join(parts) + ")", params


async def count_attempt(cur: Cursor, *, account: str, ip: str, limits: Limits) -> int:
    """Count this attempt as a failure before verifying it; its row id, or `Throttled`.

    Call inside a transaction: the advisory locks (account first, then address, so two
    attempts never wait on each other crosswise) are held until it commits, and the
    count is read by a statement that starts after they are granted, so it sees every
    attempt counted before.
    """
    await cur.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)),"
        " pg_advisory_xact_lock(hashtextextended(%s, 0))",
        ("login:account:" + account, "login:ip:" + ip),
    )
    wait, params = _wait_expression(account, ip, limits)
    await cur.execute(
        f"WITH wait AS (SELECT {wait} AS seconds),"  # noqa: S608 (built from constants)
        f" counted AS ({sign_in_attempts.COUNT_LOGIN_FAILURE}"
        "  SELECT %(account)s, %(ip)s FROM wait WHERE seconds IS NULL RETURNING id)"
        " SELECT (SELECT seconds FROM wait), (SELECT id FROM counted)",
        params,
    )
    row = await cur.fetchone()
    assert row is not None  # the statement always returns one row
    seconds, attempt_id = row
    if attempt_id is None:
        raise Throttled(max(1, math.ceil(float(seconds))))
    return int(attempt_id)


async def uncount_attempt(cur: Cursor, attempt_id: int) -> None:
    """Forget an attempt that was never verified (the server could not hash it)."""
    await sign_in_attempts.uncount_login_failure(cur, attempt_id)


async def verify_counted(
    pool: Pool, hasher: Hasher, attempt_id: int, password_hash: str | None, password: str
) -> bool:
    """Verify a password whose attempt `count_attempt` already counted.

    When the server is too busy to hash it, the attempt is uncounted (it was never
    verified, so it must not use up the caller's tries) and `HashingBusy` propagates:
    the endpoint guard answers it with 503 and `Retry-After`.
    """
    try:
        return await hasher.verify(password_hash, password)
    except HashingBusy:
        async with connection_cursor(pool) as cur:
            await uncount_attempt(cur, attempt_id)
        raise


async def clear_failures(cur: Cursor, *, account: str, ip: str) -> None:
    """Forget the pair's failures after a successful sign-in."""
    await sign_in_attempts.clear_login_failures(cur, account=account, ip=ip)
