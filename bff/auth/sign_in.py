"""Sign-in, sign-out and `GET /api/v1/me`.

Sign-in checks the password first. A user with MFA on then gets no session but a
challenge (202, and a short-lived cookie) to answer at `POST /api/v1/auth/mfa`
(`bff.auth.mfa`). Otherwise the session starts at once, and `requires` says what it
must still do before any data is reachable: a password change after an admin reset,
MFA enrollment when MFA is required for the user (admins always).

Every authentication event is logged (`origin.auth`) with the user id when one is
known, never with the password or the email typed in.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.auth.login_throttle import (
    Throttled,
    account_key,
    clear_failures,
    count_attempt,
    verify_counted,
)
from bff.web.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    read_body,
    too_many_requests,
)
from bff.web.keys import CURRENT_USER, LIMITS, PASSWORD_HASHER
from bff.web.limits import client_ip
from bff.web.session_auth import (
    clear_session_cookie,
    session_token,
    set_challenge_cookie,
    set_session_cookie,
)
from shared.database import connection_cursor, transaction
from shared.identity import mfa_challenges, sessions, users
from shared.identity.passwords import Hasher, HashingBusy
from shared.identity.sessions import NewSession, Owed, SessionUser
from shared.identity.users import Role, User
from shared.web.keys import POOL, SETTINGS

log = logging.getLogger("origin.auth")

BAD_CREDENTIALS = "Wrong email or password."


class UserOut(BaseModel):
    """The signed-in user as the console shows them."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    mfa_enabled: bool


class SessionOut(BaseModel):
    """The signed-in user, the CSRF token to send on unsafe requests, and what the
    session must do before any data is reachable (`requires`, in order; empty: nothing)."""

    user: UserOut
    csrf_token: str
    requires: list[Owed]


class MfaChallengeOut(BaseModel):
    """The password was right; now a code from the authenticator app (or a recovery code)
    at `POST /api/v1/auth/mfa` before `expires_in_seconds`."""

    mfa_required: bool = True
    expires_in_seconds: int


class LoginRequest(BaseModel):
    """Credentials typed into the sign-in form."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


async def login(request: web.Request) -> web.StreamResponse:
    """Count the attempt, check credentials, rotate the session, set the cookie.

    The attempt is counted as a failure before the slow hash (see `bff.auth.login_throttle`)
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
    matches = await verify_counted(pool, hasher, attempt, password_hash, credentials.password)
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
    challenge, new = None, None
    async with transaction(pool) as cur:
        old_token = session_token(request)
        if old_token is not None:
            await sessions.revoke_session(cur, old_token)
        if user.mfa_enabled:
            challenge = await mfa_challenges.create(cur, user.id, ttl=limits.mfa_challenge_ttl)
        else:
            new = await sessions.create_session(cur, user.id)
        await clear_failures(cur, account=account, ip=ip)
        if rehash is not None:
            await users.set_password_hash(cur, user.id, rehash)
    if challenge is not None:
        log.info("login needs mfa", extra={"event": "login_mfa_challenge", "user_id": str(user.id)})
        ttl = int(limits.mfa_challenge_ttl.total_seconds())
        response = json_model(MfaChallengeOut(expires_in_seconds=ttl), status=202)
        set_challenge_cookie(request, response, challenge, max_age=ttl)
        return response
    assert new is not None
    log.info("login succeeded", extra={"event": "login_succeeded", "user_id": str(user.id)})
    return signed_in(request, user, new, mfa_verified=False)


def session_out(request: web.Request, user: SessionUser) -> SessionOut:
    """The session as the console reads it, with what it still owes."""
    owed = user.owes(mfa_required_for_everyone=request.app[SETTINGS].mfa_required_for_everyone)
    return SessionOut(
        user=UserOut(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            mfa_enabled=user.mfa_enabled,
        ),
        csrf_token=user.csrf_token,
        requires=owed,
    )


def signed_in(
    request: web.Request, user: User, new: NewSession, *, mfa_verified: bool
) -> web.Response:
    """The answer that starts a new session: its body and its cookie."""
    session_user = SessionUser(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        csrf_token=new.csrf_token,
        password_change_required=user.password_change_required,
        mfa_enabled=user.mfa_enabled,
        mfa_verified=mfa_verified,
    )
    response = json_model(session_out(request, session_user))
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
    return json_model(session_out(request, request[CURRENT_USER]))


def setup(app: web.Application) -> None:
    """Add the authentication routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/auth/login",
                login,
                "Sign in with email and password (202: a second factor is owed)",
                "auth",
                access=Access.PUBLIC,
                body=LoginRequest,
                responses={200: SessionOut, 202: MfaChallengeOut},
                rate_limited=True,
            ),
            Endpoint(
                "POST",
                "/api/v1/auth/logout",
                logout,
                "Sign out",
                "auth",
                access=Access.SESSION,
                responses={204: None},
            ),
            Endpoint(
                "GET",
                "/api/v1/me",
                me,
                "The signed-in user",
                "auth",
                access=Access.SESSION,
                responses={200: SessionOut},
            ),
        ],
    )
