"""What every webhook handler shares: a bounded body read, refusals, acknowledgements, and the
group commit that stores the hottest path's raw events (`events.store_events`)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from gateway.webhooks.events import IncomingEvent, store_events
from shared.group_commit import GroupCommit
from shared.web.client_limits import read_body_bytes
from shared.web.keys import POOL
from shared.web.problems import problem_response

log = logging.getLogger(__name__)

# Provider webhooks are a few kilobytes; anything much larger is not one of theirs.
MAX_WEBHOOK_BYTES = 128 * 1024
MAX_EVENT_KEY_CHARS = 200


@dataclass
class WebhookStats:
    """Per-process counters by provider, shown on the ops page."""

    accepted: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


WEBHOOK_STATS = web.AppKey("webhook_stats", WebhookStats)


async def read_body(request: web.Request) -> bytes:
    """The raw body, refused with 413 beyond `MAX_WEBHOOK_BYTES` (before reading it if declared)."""
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_WEBHOOK_BYTES, actual_size=request.content_length
        )
    body = await read_body_bytes(request)
    if len(body) > MAX_WEBHOOK_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_WEBHOOK_BYTES, actual_size=len(body))
    return body


def refuse(request: web.Request, provider: str, reason: str) -> web.Response:
    """401 for a webhook that failed verification: counted and logged, body never logged."""
    request.app[WEBHOOK_STATS].rejected[provider] += 1
    log.warning("webhook rejected", extra={"provider": provider, "reason": reason})
    return problem_response(401, "Unauthorized", detail="webhook signature verification failed")


def unreadable(provider: str, reason: str) -> web.Response:
    """400 for a genuine (signed) webhook whose payload we cannot read."""
    log.warning("webhook unreadable", extra={"provider": provider, "reason": reason})
    return problem_response(400, "Bad Request", detail="webhook payload is not understood")


def event_key(raw: str) -> str:
    """A dedupe key that fits the column: long keys are replaced by their SHA-256."""
    if len(raw) <= MAX_EVENT_KEY_CHARS:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


INTAKE: web.AppKey[GroupCommit[IncomingEvent, bool]] = web.AppKey("webhook_intake")


async def intake_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the group-commit writer of verified events (pending ones written on close).

    Concurrent webhooks share one transaction instead of paying a commit each; every
    provider still gets its 200 only once its event is committed.
    """
    async with GroupCommit(
        app[POOL], store_events, name="webhook-intake", one_statement=True
    ) as writer:
        app[INTAKE] = writer
        yield


# The two acknowledgements, serialised once (every accepted webhook answers with one of them).
_ACKNOWLEDGEMENTS = {
    stored: json.dumps({"received": True, "duplicate": not stored}).encode()
    for stored in (True, False)
}


def acknowledged(request: web.Request, provider: str, stored: bool) -> web.Response:
    """200 for a stored or duplicate event (providers only need to know we have it)."""
    stats = request.app[WEBHOOK_STATS]
    if stored:
        stats.accepted[provider] += 1
    else:
        stats.duplicates[provider] += 1
    return web.Response(
        body=_ACKNOWLEDGEMENTS[stored], content_type="application/json", charset="utf-8"
    )
