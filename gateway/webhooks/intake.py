"""What every webhook handler shares: a bounded body read, refusals, and storing the raw event."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from shared.database import Cursor
from shared.messaging.envelope import Envelope
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
    body = await request.read()
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


async def store_event(
    cur: Cursor, *, provider: str, key: str, event_type: str | None, payload: bytes
) -> int | None:
    """Insert the raw event once; its id, or None when this event was already received."""
    await cur.execute(
        "INSERT INTO webhook_events (provider, event_key, event_type, payload)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (provider, event_key) DO NOTHING RETURNING id",
        (provider, key, event_type, payload.decode("utf-8", errors="replace")),
    )
    row = await cur.fetchone()
    return int(row[0]) if row is not None else None


async def store_event_with(
    cur: Cursor, envelope: Envelope, *, provider: str, key: str, event_type: str, payload: bytes
) -> bool:
    """Store the raw event and, only if it is new, its outbox event: one atomic statement.

    One round trip instead of four (BEGIN, two INSERTs, COMMIT) on the hottest path;
    Postgres runs a statement's data-modifying CTEs atomically, so run it in autocommit.
    """
    await cur.execute(
        "WITH stored AS ("
        " INSERT INTO webhook_events (provider, event_key, event_type, payload)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (provider, event_key) DO NOTHING RETURNING id),"
        " queued AS (INSERT INTO outbox (message_id, event_type, correlation_id, body)"
        " SELECT %s, %s, %s, %s FROM stored)"
        " SELECT count(*) FROM stored",
        (
            provider,
            key,
            event_type,
            payload.decode("utf-8", errors="replace"),
            str(envelope.id),
            envelope.type,
            envelope.correlation_id,
            envelope.to_json(),
        ),
    )
    row = await cur.fetchone()
    return bool(row[0])


def acknowledged(request: web.Request, provider: str, stored: bool) -> web.Response:
    """200 for a stored or duplicate event (providers only need to know we have it)."""
    stats = request.app[WEBHOOK_STATS]
    if stored:
        stats.accepted[provider] += 1
    else:
        stats.duplicates[provider] += 1
    return web.json_response({"received": True, "duplicate": not stored})
