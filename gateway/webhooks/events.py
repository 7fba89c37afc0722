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
from shared.prepared_statements import PreparedStatement, text_array

# Retention's batched delete of events received before `%s` (`gateway.retention`).
RETENTION_DELETE = (
    "DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events"
    " WHERE received_at < %s ORDER BY id LIMIT %s)"
)


# One statement for a whole group commit: the raw events, and an outbox row for each new one.
# Prepared once per connection (planning it cost more than running it), with array literals.
_STORE_EVENTS = PreparedStatement(
    "store_webhook_events",
    "WITH input AS ("  # noqa: S608 - constant: the outbox's insert head, no values
    " SELECT * FROM unnest(%(providers)s, %(keys)s, %(event_types)s, %(payloads)s,"
    "                      %(message_ids)s, %(types)s, %(correlation_ids)s, %(bodies)s)"
    "   WITH ORDINALITY AS t(provider, event_key, event_type, payload,"
    "                        message_id, type, correlation_id, body, position)),"
    " stored AS ("
    " INSERT INTO webhook_events (provider, event_key, event_type, payload)"
    " SELECT provider, event_key, event_type, payload FROM input ORDER BY position"
    " ON CONFLICT (provider, event_key) DO NOTHING RETURNING provider, event_key),"
    f" queued AS ({outbox.INSERT_INTO}"
    " SELECT i.message_id, i.type, i.correlation_id, i.body"
    " FROM input i JOIN stored s USING (provider, event_key) ORDER BY i.position)"
    " SELECT provider, event_key FROM stored",
    {
        "providers": "text[]",
        "keys": "text[]",
        "event_types": "text[]",
        "payloads": "text[]",
        "message_ids": "uuid[]",
        "types": "text[]",
        "correlation_ids": "text[]",
        "bodies": "text[]",
    },
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
    await _STORE_EVENTS.execute(
        cur,
        {
            "providers": text_array(event.provider for event in rows),
            "keys": text_array(event.key for event in rows),
            "event_types": text_array(event.event_type for event in rows),
            "payloads": text_array(event.payload.decode(errors="replace") for event in rows),
            "message_ids": text_array(str(event.envelope.id) for event in rows),
            "types": text_array(event.envelope.type for event in rows),
            "correlation_ids": text_array(event.envelope.correlation_id for event in rows),
            "bodies": text_array(event.envelope.to_json() for event in rows),
        },
    )
    new = {(provider, key) for provider, key in await cur.fetchall()}
    return [
        first[(event.provider, event.key)] is event and (event.provider, event.key) in new
        for event in events
    ]
