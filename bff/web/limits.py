"""Login throttling, sign-up and SMS rate limits: the numbers, kept in one place.

Also which client address a request is counted against (`client_ip`).

All counting happens in Postgres, so the limits hold however many bff replicas
run. `create_app(settings, limits=...)` takes other numbers (tests use small ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web


@dataclass(frozen=True)
class WindowLimit:
    """At most `count` events per sliding `window`."""

    count: int
    window: timedelta


@dataclass(frozen=True)
class Limits:
    """Every limit the bff enforces.

    Login: a (account, IP) pair is throttled quickly; an account across all IPs only
    after many more failures, and only for the window, so an attacker can slow a real
    user down for minutes but never lock them out for good; an IP across accounts
    catches spraying. Sign-up counts every attempt per client IP (each one costs a
    password hash and may create a member). A second factor after a right password
    gets `mfa_per_challenge` codes per sign-in and `mfa_per_user` per window across
    sign-ins, within `mfa_challenge_ttl`. `client_ip_header` names the header the
    load balancer appends the client address to (its last entry is trusted); None
    uses the peer address.
    """

    login_per_account_ip: WindowLimit = WindowLimit(5, timedelta(minutes=15))
    login_per_account: WindowLimit = WindowLimit(20, timedelta(minutes=15))
    login_per_ip: WindowLimit = WindowLimit(100, timedelta(minutes=15))
    sms_per_advisor: WindowLimit = WindowLimit(100, timedelta(hours=1))
    sms_per_member: WindowLimit = WindowLimit(5, timedelta(hours=1))
    signup_per_ip: WindowLimit = WindowLimit(10, timedelta(hours=1))
    mfa_per_challenge: int = 5
    mfa_per_user: WindowLimit = WindowLimit(10, timedelta(minutes=15))
    mfa_challenge_ttl: timedelta = timedelta(minutes=5)
    client_ip_header: str | None = None


def wait_sql(
    limit: WindowLimit, *, name: str, table: str, at: str, where: str
) -> tuple[str, dict[str, object]]:
    """SQL (a scalar subquery) for the seconds until `limit`'s window has room, and its params.

    The rows of `table` matching `where` are the counted events, `at` their time. The
    window is full while `limit.count` of them are younger than the window, and has room
    once the latest-but-`count - 1` leaves it; the subquery is NULL while there is room.
    Measured from `clock_timestamp()`, not `now()`: a row committed by a request that got
    the caller's lock first carries its own transaction's `now()`, which can be later than
    ours, and would make the wait exceed the window. `name` keeps the parameters of several
    windows in one statement apart (`%(<name>_window)s`, `%(<name>_full)s`).
    """
    window, full = f"{name}_window", f"{name}_full"
    sql = (
        f"(SELECT EXTRACT(EPOCH FROM {at} + %({window})s - clock_timestamp()) FROM {table}"  # noqa: S608 - our names
        f" WHERE {where} AND {at} > clock_timestamp() - %({window})s"
        f" ORDER BY {at} DESC OFFSET %({full})s LIMIT 1)"
    )
    return sql, {window: limit.window, full: limit.count - 1}


def client_ip(request: web.Request, limits: Limits) -> str:
    """The client's address: the load balancer's appended entry, or the peer address."""
    if limits.client_ip_header:
        forwarded = request.headers.get(limits.client_ip_header, "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.remote or "unknown"
