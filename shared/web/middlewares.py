"""Middlewares every role installs: ids and access log, problem+json errors, security headers.

The roles install `request_middleware`; `request_context_middleware` is the same
without problem+json, for the provider simulator.

Errors become problem+json here and nowhere else: an unavailable Postgres or
RabbitMQ (`shared.outages`) answers 503 with `Retry-After`, a bug answers 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import ValidationError

from shared.observability import sentry
from shared.observability.context import IdTokens, bind_ids, new_id, reset_ids
from shared.outages import RETRY_AFTER_SECONDS, is_statement_timeout, unavailable_dependency
from shared.web.keys import CORRELATION_ID, REQUEST_ID
from shared.web.problems import problem_response, validation_problem

log = logging.getLogger("origin.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"
_MAX_ID_LENGTH = 128

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _incoming_id(request: web.Request, header: str) -> str | None:
    value = request.headers.get(header)
    if value and len(value) <= _MAX_ID_LENGTH and value.isascii() and value.isprintable():
        return value
    return None


def _route_name(request: web.Request) -> str:
    """The route pattern (never the path, which may hold ids or personal data)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _bind_request(request: web.Request) -> tuple[str, str, IdTokens]:
    """Accept or create the request's ids, keep them on the request and bind them for logs."""
    request_id = _incoming_id(request, REQUEST_ID_HEADER) or new_id()
    correlation_id = _incoming_id(request, CORRELATION_ID_HEADER) or request_id
    request[REQUEST_ID] = request_id
    request[CORRELATION_ID] = correlation_id
    tokens = bind_ids(request_id=request_id, correlation_id=correlation_id)
    return request_id, correlation_id, tokens


def _log_request(request: web.Request, status: int, started: float) -> None:
    if log.isEnabledFor(logging.INFO):  # its fields are not built for a line nobody keeps
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": _route_name(request),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )


def _echo_ids(response: web.StreamResponse, request_id: str, correlation_id: str) -> None:
    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers[CORRELATION_ID_HEADER] = correlation_id


def _request_layer(*, problems: bool) -> Middleware:
    """The ids, the log line and (with `problems`) problem+json errors, in one layer.

    One layer rather than two: every layer costs each request a coroutine and a frame.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id, correlation_id, tokens = _bind_request(request)
        started = time.perf_counter()
        status = 500
        try:
            try:
                response = await handler(request)
            except BaseException as exc:
                problem = _problem(request, exc) if problems else None
                if problem is None:
                    raise
                response = problem
            status = response.status
        finally:
            _log_request(request, status, started)
            reset_ids(tokens)
        _echo_ids(response, request_id, correlation_id)
        return response

    return middleware


# What every role installs: accept or create request and correlation ids, echo them, log
# one line per request, and turn every error into problem+json (see `_problem`).
request_middleware = _request_layer(problems=True)
# The same without problem+json, for an app that answers its errors in its own shape (the
# provider simulator speaks the providers' error bodies).
request_context_middleware = _request_layer(problems=False)


def _problem(request: web.Request, exc: BaseException) -> web.Response | None:
    """The problem+json answer to what a handler raised; None when it goes on up (a
    redirect, an answer that already is problem+json, a cancellation).

    Call it while handling `exc`. A 500 is logged and reported, its trace kept inside.
    An outage of a dependency is no bug: 503 with `Retry-After`, one warning line
    naming the dependency and the error type (never its message, which may hold a
    host or a user name), and nothing sent to Sentry.
    """
    if isinstance(exc, web.HTTPException):
        if exc.status < 400 or exc.content_type == "application/problem+json":
            return None
        headers = {
            key: value
            for key, value in exc.headers.items()
            if key in ("Retry-After", "Allow", "WWW-Authenticate")
        }
        return problem_response(exc.status, exc.reason, headers=headers)
    if isinstance(exc, ValidationError):
        return validation_problem(exc)
    if isinstance(exc, asyncio.CancelledError):
        if is_statement_timeout(exc):  # Postgres too slow to answer: retry later, as an outage
            return _unavailable(request, "postgres", exc)
        return None
    if not isinstance(exc, Exception):  # SystemExit, KeyboardInterrupt, GeneratorExit
        return None
    dependency = unavailable_dependency(exc)
    if dependency is not None:
        return _unavailable(request, dependency, exc)
    log.exception("unhandled error", extra={"route": _route_name(request)})
    sentry.capture_exception(exc)  # a no-op unless SENTRY_DSN started Sentry
    return problem_response(
        500,
        "Internal Server Error",
        detail="Something went wrong on our side. Quote the request id when reporting it.",
        request_id=request.get(REQUEST_ID),
    )


def _unavailable(request: web.Request, dependency: str, exc: BaseException) -> web.Response:
    log.warning(
        "dependency unavailable",
        extra={
            "route": _route_name(request),
            "dependency": dependency,
            "error": type(exc).__name__,
        },
    )
    return problem_response(
        503,
        "Service Unavailable",
        detail="A service this request needs is unavailable right now. Try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        request_id=request.get(REQUEST_ID),
    )


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` signal: the same hardening headers on every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
