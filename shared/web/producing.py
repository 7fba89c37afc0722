"""Events written by an HTTP handler carry the request's correlation id."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from shared.events import REGISTRY
from shared.messaging.envelope import Envelope
from shared.web.keys import CORRELATION_ID, SERVICE


def event_for_request(
    request: web.Request, data: BaseModel, *, name: str, version: int = 1
) -> Envelope:
    """An envelope for `data`, produced by this service, correlated with this request."""
    return REGISTRY.build(
        data,
        name=name,
        version=version,
        producer=request.app[SERVICE].name,
        correlation_id=request[CORRELATION_ID],
    )
