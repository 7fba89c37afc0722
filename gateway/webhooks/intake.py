"""What every webhook handler shares: a bounded body read, refusals, and storing the raw event."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from shared.database import Cursor
from shared.group_commit import GroupCommit
from shared.messaging.envelope import Envelope
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


@dataclass(frozen=True)
class IncomingEvent:
    """A verified webhook to store once, with the event to emit when it is new."""

    provider: str
    key: str
    event_type: str
    payload: bytes
    envelope: Envelope


INTAKE: web.AppKey[GroupCommit[IncomingEvent, bool]] = web.AppKey("webhook_intake")


async def store_events(cur: Cursor, events: Sequence[IncomingEvent]) -> list[bool]:
    """Store a group commit's raw events and, for each new one, its outbox event.

    Returns per event whether it was new. The same event twice in one batch is
    stored once (the later copy is a duplicate). Rows go in key order, so two
    batches that share keys take their locks in the same order and never deadlock.
    """
    first: dict[tuple[str, str], IncomingEvent] = {}
    for event in events:
        first.setdefault((event.provider, event.key), event)
    rows = sorted(first.values(), key=lambda event: (event.provider, event.key))
    await cur.execute(
        "WITH input AS ("
        " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
        "                      %s::uuid[], %s::text[], %s::text[], %s::text[])"
        "   WITH ORDINALITY AS t(provider, event_key, event_type, payload,"
        "                        message_id, type, correlation_id, body, position)),"
        " stored AS ("
        " INSERT INTO webhook_events (provider, event_key, event_type, payload)"
        " SELECT provider, event_key, event_type, payload FROM input ORDER BY position"
        " ON CONFLICT (provider, event_key) DO NOTHING RETURNING provider, event_key),"
        " queued AS ("
        " INSERT INTO outbox (message_id, event_type, correlation_id, body)"
        " SELECT i.message_id, i.type, i.correlation_id, i.body"
        " FROM input i JOIN stored s USING (provider, event_key) ORDER BY i.position)"
        " SELECT provider, event_key FROM stored",
        (
            [event.provider for event in rows],
            [event.key for event in rows],
            [event.event_type for event in rows],
            [event.payload.decode("utf-8", errors="replace") for event in rows],
            [str(event.envelope.id) for event in rows],
            [event.envelope.type for event in rows],
            [event.envelope.correlation_id for event in rows],
            [event.envelope.to_json() for event in rows],
        ),
    )
    new = {(provider, key) for provider, key in await cur.fetchall()}
    return [
        first[(event.provider, event.key)] is event and (event.provider, event.key) in new
        for event in events
    ]


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


def acknowledged(request: web.Request, provider: str, stored: bool) -> web.Response:
    """200 for a stored or duplicate event (providers only need to know we have it)."""
    stats = request.app[WEBHOOK_STATS]
    if stored:
        stats.accepted[provider] += 1
    else:
        stats.duplicates[provider] += 1
    return web.json_response({"received": True, "duplicate": not stored})
