"""Sign-in, sign-out and `GET /api/v1/me`.

Every authentication event is logged (`origin.auth`) with the user id when one is
known, never with the password or the email typed in.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    read_body,
    sign_in_busy,
    too_many_requests,
)
from bff.keys import CURRENT_USER, LIMITS, PASSWORD_HASHER
from bff.login_throttle import (
    Throttled,
    account_key,
    clear_failures,
    client_ip,
    count_attempt,
    uncount_attempt,
)
from bff.session_auth import clear_session_cookie, session_token, set_session_cookie
from shared.database import connection_cursor, transaction
from shared.identity import sessions, users
from shared.identity.passwords import Hasher, HashingBusy
from shared.identity.users import Role
from shared.web.keys import POOL

log = logging.getLogger("origin.auth")

BAD_CREDENTIALS = "Wrong email or password."


class UserOut(BaseModel):
    """The signed-in user as the console shows them."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role


class SessionOut(BaseModel):
    """The signed-in user and the CSRF token to send on unsafe requests."""

    user: UserOut
    csrf_token: str


class LoginRequest(BaseModel):
    """Credentials typed into the sign-in form."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


async def login(request: web.Request) -> web.StreamResponse:
    """Count the attempt, check credentials, rotate the session, set the cookie.

    The attempt is counted as a failure before the slow hash (see `bff.login_throttle`)
    and uncounted on success, so concurrent guesses cannot outrun the throttle.
    """
    credentials = await read_body(request, LoginRequest)
    limits = request.app[LIMITS]
    pool = request.app[POOL]
    hasher = request.app[PASSWORD_HASHER]
    account, ip = account_key(credentials.email), client_ip(request, limits)
    found = None
    wait: int | None = None
    async with transaction(pool) as cur:
        try:
            attempt = await count_attempt(cur, account=account, ip=ip, limits=limits)
        except Throttled as throttled:
            wait = throttled.retry_after
        else:
            found = await users.credentials_by_email(cur, credentials.email)
    if wait is not None:
        log.warning("login throttled", extra={"event": "login_throttled", "retry_after": wait})
        raise too_many_requests("Too many failed sign-ins. Try again later.", retry_after=wait)
    user, password_hash = found if found is not None else (None, None)
    try:
        matches = await hasher.verify(password_hash, credentials.password)
    except HashingBusy:
        async with connection_cursor(pool) as cur:
            await uncount_attempt(cur, attempt)
        raise sign_in_busy() from None
    if user is None or not matches or user.disabled_at is not None:
        reason = (
            "unknown_email" if user is None else "wrong_password" if not matches else "disabled"
        )
        log.warning(
            "login failed",
            extra={
                "event": "login_failed",
                "reason": reason,
                "user_id": str(user.id) if user else None,
            },
        )
        raise ApiProblem(401, "Unauthorized", detail=BAD_CREDENTIALS)
    rehash = await _rehash(hasher, password_hash, credentials.password)
    async with transaction(pool) as cur:
        old_token = session_token(request)
        if old_token is not None:
            await sessions.revoke_session(cur, old_token)
        new = await sessions.create_session(cur, user.id)
        await clear_failures(cur, account=account, ip=ip)
        if rehash is not None:
            await users.set_password_hash(cur, user.id, rehash)
    log.info("login succeeded", extra={"event": "login_succeeded", "user_id": str(user.id)})
    body = SessionOut(
        user=UserOut(id=user.id, email=user.email, full_name=user.full_name, role=user.role),
        csrf_token=new.csrf_token,
    )
    response = json_model(body)
    set_session_cookie(request, response, new.token)
    return response


async def _rehash(hasher: Hasher, password_hash: str | None, password: str) -> str | None:
    """A hash with today's parameters when the stored one has others (skipped when busy)."""
    if password_hash is None or not hasher.needs_rehash(password_hash):
        return None
    try:
        return await hasher.hash(password)
    except HashingBusy:
        return None  # the next sign-in redoes it


async def logout(request: web.Request) -> web.StreamResponse:
    """End this session and clear the cookie."""
    token = session_token(request)
    if token is not None:
        async with connection_cursor(request.app[POOL]) as cur:
            await sessions.revoke_session(cur, token)
    log.info("logout", extra={"event": "logout", "user_id": str(request[CURRENT_USER].id)})
    response = web.Response(status=204)
    clear_session_cookie(request, response)
    return response


async def me(request: web.Request) -> web.StreamResponse:
    """Who is signed in, with the session's CSRF token (the console calls it on load)."""
    user = request[CURRENT_USER]
    return json_model(
        SessionOut(
            user=UserOut(id=user.id, email=user.email, full_name=user.full_name, role=user.role),
            csrf_token=user.csrf_token,
        )
    )


def setup(app: web.Application) -> None:
    """Add the authentication routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/auth/login",
                login,
                "Sign in with email and password",
                "auth",
                access=Access.PUBLIC,
                body=LoginRequest,
                responses={200: SessionOut},
                rate_limited=True,
            ),
            Endpoint(
                "POST", "/api/v1/auth/logout", logout, "Sign out", "auth", responses={204: None}
            ),
            Endpoint(
                "GET", "/api/v1/me", me, "The signed-in user", "auth", responses={200: SessionOut}
            ),
        ],
    )
