"""Every statement that writes `webhook_events`: the raw provider events, stored once.

Unique on provider and event key, so a duplicate delivery stores nothing. The
hottest path stores a group commit's events and their outbox rows in one
statement (`store_events`), with the outbox's insert from its owner
(`shared.messaging.outbox.INSERT_INTO`). Retention deletes old rows in batches
(`gateway.retention`, with `RETENTION_DELETE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.database import Cursor
from shared.messaging import outbox
from shared.messaging.envelope import Envelope

# Retention's batched delete of events received before `%s` (`gateway.retention`).
RETENTION_DELETE = (
    "DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events"
    " WHERE received_at < %s ORDER BY id LIMIT %s)"
)


# One statement for a whole group commit: the raw events, and an outbox row for each new one.
_STORE_EVENTS = (
    "WITH input AS ("  # noqa: S608 - constant: the outbox's insert head, no values
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
    "                      %s::uuid[], %s::text[], %s::text[], %s::text[])"
    "   WITH ORDINALITY AS t(provider, event_key, event_type, payload,"
    "                        message_id, type, correlation_id, body, position)),"
    " stored AS ("
    " INSERT INTO webhook_events (provider, event_key, event_type, payload)"
    " SELECT provider, event_key, event_type, payload FROM input ORDER BY position"
    " ON CONFLICT (provider, event_key) DO NOTHING RETURNING provider, event_key),"
    f" queued AS ({outbox.INSERT_INTO}"
    " SELECT i.message_id, i.type, i.correlation_id, i.body"
    " FROM input i JOIN stored s USING (provider, event_key) ORDER BY i.position)"
    " SELECT provider, event_key FROM stored"
)


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
        _STORE_EVENTS,
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
