"""The session cookie and CSRF header: reading, setting and clearing them.

The cookie is HttpOnly, SameSite=Lax and Path=/, with no Domain. In staging and
production it is Secure and named `__Host-origin_session`: browsers accept a
`__Host-` cookie only from a secure origin, for exactly that host, so a sibling
subdomain or a plain-HTTP response cannot set or overwrite it (cookie tossing).
Local and test runs speak plain HTTP, so there it is `origin_session` without
Secure. The CSRF token is per session,
returned by sign-in and `GET /api/v1/me`, and must come back in `X-CSRF-Token`
on every unsafe method (a cross-site form cannot read it, so cannot send it).
"""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp import hdrs, web

from shared.database import connection_cursor
from shared.identity.sessions import (
    LIVE_SESSION_SQL,
    LIVE_SESSION_TYPES,
    SessionUser,
    live_session_params,
    session_user_from_row,
)
from shared.prepared_statements import PreparedStatement
from shared.settings import AppEnv
from shared.web.keys import POOL, SETTINGS

SESSION_COOKIE = "origin_session"
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
# Holds a pending second-factor challenge between the password and the code; sent only
# to the MFA step.
MFA_CHALLENGE_COOKIE = "origin_mfa_challenge"
MFA_CHALLENGE_PATH = "/api/v1/auth/mfa"
CSRF_HEADER = "X-CSRF-Token"
_MAX_TOKEN_LENGTH = 128
# `name=value; name=value`, with names and values of characters that need no quoting.
_PLAIN_COOKIE = r"[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*"
_PLAIN_COOKIES = re.compile(rf"{_PLAIN_COOKIE}(?:; {_PLAIN_COOKIE})*")
# Every authenticated request runs this: prepared once per pooled connection.
_LIVE_SESSION = PreparedStatement("bff_live_session", LIVE_SESSION_SQL, LIVE_SESSION_TYPES)


def _secure(app_env: AppEnv) -> bool:
    return app_env not in (AppEnv.LOCAL, AppEnv.TEST)


def session_cookie_name(app_env: AppEnv) -> str:
    """`__Host-origin_session` wherever the cookie is Secure, else `origin_session`."""
    return SECURE_SESSION_COOKIE if _secure(app_env) else SESSION_COOKIE


def request_cookie(request: web.Request, name: str) -> str | None:
    """The value of cookie `name`, exactly as `request.cookies` has it, read faster.

    A header of plain `name=value` pairs (the session cookie alone, typically) has no
    quoting, escapes or attributes to interpret, so it is split as it is: aiohttp's
    parser builds a `Morsel` per cookie, which every authenticated request paid for.
    Anything else goes through `request.cookies`. A name given twice keeps the last, as there.
    """
    header = request.headers.get(hdrs.COOKIE)
    if header is None or _PLAIN_COOKIES.fullmatch(header) is None:
        return request.cookies.get(name)
    value = None
    for pair in header.split("; "):
        key, _, found = pair.partition("=")
        if key == name:
            value = found
    return value


def _cookie_token(request: web.Request, name: str) -> str | None:
    token = request_cookie(request, name)
    if not token or len(token) > _MAX_TOKEN_LENGTH or not token.isascii():
        return None
    return token


def session_token(request: web.Request) -> str | None:
    """The session token from the cookie, when it looks like one of ours."""
    return _cookie_token(request, session_cookie_name(request.app[SETTINGS].app_env))


def challenge_token(request: web.Request) -> str | None:
    """The pending MFA challenge's token from its cookie, when it looks like one of ours."""
    return _cookie_token(request, MFA_CHALLENGE_COOKIE)


async def authenticate(request: web.Request) -> SessionUser | None:
    """The signed-in user of this request, or None (no cookie, expired, revoked, disabled)."""
    token = session_token(request)
    if token is None:
        return None
    settings = request.app[SETTINGS]
    params = live_session_params(
        token,
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    async with connection_cursor(request.app[POOL]) as cur:
        await _LIVE_SESSION.execute(cur, params)
        return session_user_from_row(await cur.fetchone())


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """Hand the browser its session cookie."""
    settings = request.app[SETTINGS]
    response.set_cookie(
        session_cookie_name(settings.app_env),
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        secure=_secure(settings.app_env),
        samesite="Lax",
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Tell the browser to forget the cookie."""
    settings = request.app[SETTINGS]
    response.del_cookie(
        session_cookie_name(settings.app_env),
        path="/",
        secure=_secure(settings.app_env),
        httponly=True,
        samesite="Lax",
    )


def set_challenge_cookie(
    request: web.Request, response: web.StreamResponse, token: str, *, max_age: int
) -> None:
    """Hand the browser the pending challenge (HttpOnly, Strict, MFA step only, minutes)."""
    settings = request.app[SETTINGS]
    response.set_cookie(
        MFA_CHALLENGE_COOKIE,
        token,
        max_age=max_age,
        path=MFA_CHALLENGE_PATH,
        httponly=True,
        secure=_secure(settings.app_env),
        samesite="Strict",
    )


def clear_challenge_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Tell the browser to forget the challenge."""
    settings = request.app[SETTINGS]
    response.del_cookie(
        MFA_CHALLENGE_COOKIE,
        path=MFA_CHALLENGE_PATH,
        secure=_secure(settings.app_env),
        httponly=True,
        samesite="Strict",
    )
