"""How a provider failure reaches the bff: 503 when retrying later may work, 502 otherwise."""

from __future__ import annotations

import logging
import math

from aiohttp import web

from connectors.errors import CircuitOpen, ConnectorError, RateLimited, TransientError
from shared.web.problems import problem_response

log = logging.getLogger(__name__)


def provider_problem(exc: ConnectorError) -> web.Response:
    """A problem response naming the provider and operation, never its message or our secrets."""
    log.warning(
        "provider call failed",
        extra={
            "provider": exc.provider,
            "operation": exc.operation,
            "error_type": type(exc).__name__,
            "status": exc.status,
            "code": exc.code,
        },
    )
    if isinstance(exc, CircuitOpen | RateLimited | TransientError):
        retry_after = getattr(exc, "retry_after", None)
        seconds = max(1, math.ceil(retry_after)) if retry_after else 5
        return problem_response(
            503,
            "Provider unavailable",
            detail="the provider is unavailable right now; try again later",
            headers={"Retry-After": str(seconds)},
            provider=exc.provider,
            operation=exc.operation,
            error_code=exc.code,
        )
    return problem_response(
        502,
        "Provider error",
        detail="the provider refused the request",
        provider=exc.provider,
        operation=exc.operation,
        error_code=exc.code,
    )
