"""The internal API trusts one caller, the bff, identified by a shared service token."""

from __future__ import annotations

import functools
import hmac

from aiohttp import web

from shared.web.keys import SETTINGS
from shared.web.middlewares import Handler
from shared.web.problems import problem_response


def service_token_valid(request: web.Request) -> bool:
    """True when `Authorization: Bearer <INTERNAL_SERVICE_TOKEN>` matches (constant time)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = request.app[SETTINGS].internal_service_token.get_secret_value()
    # Compared as bytes: compare_digest refuses non-ASCII str, and callers send anything.
    same = hmac.compare_digest(token.strip().encode(), expected.encode())
    return scheme.lower() == "bearer" and same


def require_service_token(handler: Handler) -> Handler:
    """Answer 401 (problem+json) unless the caller presents the service token."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not service_token_valid(request):
            return problem_response(
                401,
                "Unauthorized",
                detail="a valid service token is required",
                headers={"WWW-Authenticate": 'Bearer realm="internal"'},
            )
        return await handler(request)

    return guarded
