"""`POST /api/v1/auth/password`: a signed-in user changes their password.

The current password is required (checked under the sign-in throttle, so a stolen
session cannot guess it), the new one must meet the policy (`min_length`: 15 while the
password is the account's only factor), and every other session of the user ends. It
is also how a user settles the forced change after an admin reset. Audited in
`account_events`; logged without either password.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import replace
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.auth.login_throttle import (
    Throttled,
    account_key,
    count_attempt,
    uncount_attempt,
    verify_counted,
)
from bff.auth.sign_in import SessionOut, session_out
from bff.web.api import (
    Access,
    Endpoint,
    add_endpoints,
    invalid_password,
    json_model,
    read_body,
    too_many_requests,
)
from bff.web.keys import CURRENT_USER, LIMITS, PASSWORD_HASHER
from bff.web.limits import client_ip
from bff.web.session_auth import session_token
from shared.database import connection_cursor, transaction
from shared.identity import account_events, sessions, users
from shared.identity.account_events import AccountEvent
from shared.identity.password_policy import NewPassword, account_problems
from shared.web.keys import POOL, REQUEST_ID, SETTINGS

log = logging.getLogger("origin.auth")


class PasswordChange(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: NewPassword


async def change_password(request: web.Request) -> web.StreamResponse:
    """Check the current password, set the new one, end every other session."""
    change = await read_body(request, PasswordChange)
    user = request[CURRENT_USER]
    settings = request.app[SETTINGS]
    problems = account_problems(
        change.new_password,
        email=user.email,
        full_name=user.full_name,
        single_factor=not user.mfa_enabled
        and not user.mfa_required(for_everyone=settings.mfa_required_for_everyone),
    )
    if hmac.compare_digest(change.new_password.encode(), change.current_password.encode()):
        problems.append("must differ from the current password")
    if problems:
        raise invalid_password("new_password", "password " + "; ".join(problems))
    limits = request.app[LIMITS]
    pool = request.app[POOL]
    account, ip = account_key(user.email), client_ip(request, limits)
    hasher = request.app[PASSWORD_HASHER]
    wait: int | None = None
    async with transaction(pool) as cur:
        # Counted as a failure before the slow hash (see `bff.auth.login_throttle`), so
        # concurrent guesses cannot outrun the throttle; uncounted when it was right.
        try:
            attempt = await count_attempt(cur, account=account, ip=ip, limits=limits)
        except Throttled as throttled:
            wait = throttled.retry_after
        else:
            current_hash = await users.password_hash_of(cur, user.id)
    if wait is not None:
        raise too_many_requests("Too many wrong passwords. Try again later.", retry_after=wait)
    matches = await verify_counted(pool, hasher, attempt, current_hash, change.current_password)
    if not matches:
        log.warning(
            "password change refused",
            extra={"event": "password_change_refused", "user_id": str(user.id)},
        )
        raise invalid_password("current_password", "is not your current password")
    async with connection_cursor(pool) as cur:
        await uncount_attempt(cur, attempt)
    new_hash = await hasher.hash(change.new_password)
    token = session_token(request)
    async with transaction(pool) as cur:
        await users.set_new_password(cur, user.id, new_hash, change_required=False)
        ended = await sessions.revoke_user_sessions(cur, user.id, keep_token=token)
        await account_events.record(
            cur,
            user_id=user.id,
            actor_id=user.id,
            event=AccountEvent.PASSWORD_CHANGED,
            request_id=request[REQUEST_ID],
        )
    log.info(
        "password changed",
        extra={"event": "password_changed", "user_id": str(user.id), "sessions_revoked": ended},
    )
    changed = replace(user, password_change_required=False)
    return json_model(session_out(request, changed))


def setup(app: web.Application) -> None:
    """Add the password change route."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/auth/password",
                change_password,
                "Change your password (other sessions end)",
                "auth",
                access=Access.SESSION,
                body=PasswordChange,
                responses={200: SessionOut},
                rate_limited=True,
            ),
        ],
    )
