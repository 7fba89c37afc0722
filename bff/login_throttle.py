"""Login throttling in Postgres: failures counted in sliding windows, never a permanent lock.

Three windows (see `bff.limits.Limits`): per account and client IP, per account, and
per client IP. Once a window is full the caller waits until its oldest counted
failure ages out, which `Retry-After` tells them. A success clears the failures of
its account and IP pair, so the real user who finally gets in starts fresh.
"""

from __future__ import annotations

import hashlib
import math

from aiohttp import web

from bff.limits import Limits, WindowLimit
from shared.database import Cursor


def account_key(email: str) -> str:
    """How an account is counted: a hash of the lowercased email (no address stored)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def client_ip(request: web.Request, limits: Limits) -> str:
    """The client's address: the load balancer's appended entry, or the peer address."""
    if limits.client_ip_header:
        forwarded = request.headers.get(limits.client_ip_header, "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.remote or "unknown"


_WAIT = """
    (SELECT EXTRACT(EPOCH FROM occurred_at + %({w})s - now())
       FROM login_failures
      WHERE {where} AND occurred_at > now() - %({w})s
      ORDER BY occurred_at DESC OFFSET %({n})s LIMIT 1)
"""


async def seconds_to_wait(cur: Cursor, *, account: str, ip: str, limits: Limits) -> int | None:
    """Seconds until the next attempt is allowed, or None when it is allowed now."""
    windows: list[tuple[str, WindowLimit]] = [
        ("account_key = %(account)s AND client_ip = %(ip)s", limits.login_per_account_ip),
        ("account_key = %(account)s", limits.login_per_account),
        ("client_ip = %(ip)s", limits.login_per_ip),
    ]
    params: dict[str, object] = {"account": account, "ip": ip}
    parts = []
    for index, (where, limit) in enumerate(windows):
        params[f"w{index}"] = limit.window
        params[f"n{index}"] = limit.count - 1
        parts.append(_WAIT.format(w=f"w{index}", n=f"n{index}", where=where))
    await cur.execute("SELECT greatest(" + ",".join(parts) + ")", params)
    row = await cur.fetchone()
    if row is None or row[0] is None:
        return None
    return max(1, math.ceil(float(row[0])))


async def record_failure(cur: Cursor, *, account: str, ip: str) -> None:
    """Count one failed sign-in."""
    await cur.execute(
        "INSERT INTO login_failures (account_key, client_ip) VALUES (%s, %s)", (account, ip)
    )


async def clear_failures(cur: Cursor, *, account: str, ip: str) -> None:
    """Forget the pair's failures after a successful sign-in."""
    await cur.execute(
        "DELETE FROM login_failures WHERE account_key = %s AND client_ip = %s", (account, ip)
    )
