"""Every statement that writes `login_failures` and `signup_attempts`: the counted attempts.

The bff counts failed sign-ins (`bff.auth.login_throttle`) and sign-up attempts
(`bff.signup.routes`) against its windows; the gateway's retention job deletes them
once no window can see them (they hold client addresses). Both deployables write the
tables, so their statements live here. Functions take the caller's cursor and never
commit: the caller's advisory locks decide what a count sees.
"""

from __future__ import annotations

from shared.database import Cursor

# The head of the INSERT that counts a sign-in failure; the throttle's one statement adds
# the `SELECT` that inserts only while every window has room.
COUNT_LOGIN_FAILURE = "INSERT INTO login_failures (account_key, client_ip)"


async def uncount_login_failure(cur: Cursor, attempt_id: int) -> None:
    """Forget a counted sign-in that was never verified."""
    await cur.execute("DELETE FROM login_failures WHERE id = %s", (attempt_id,))


async def clear_login_failures(cur: Cursor, *, account: str, ip: str) -> None:
    """Forget an account and address pair's failures (after a successful sign-in)."""
    await cur.execute(
        "DELETE FROM login_failures WHERE account_key = %s AND client_ip = %s", (account, ip)
    )


async def count_signup_attempt(cur: Cursor, ip: str) -> None:
    """Count one sign-up attempt from `ip`."""
    await cur.execute("INSERT INTO signup_attempts (client_ip) VALUES (%s)", (ip,))


# Gateway retention (batched, the job's own transactions): attempts older than the cutoff.
LOGIN_FAILURES_RETENTION_DELETE = (
    "DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures"
    " WHERE occurred_at < %s ORDER BY id LIMIT %s)"
)
SIGNUP_ATTEMPTS_RETENTION_DELETE = (
    "DELETE FROM signup_attempts WHERE id IN (SELECT id FROM signup_attempts"
    " WHERE occurred_at < %s ORDER BY id LIMIT %s)"
)
