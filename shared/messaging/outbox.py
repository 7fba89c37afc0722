"""Write events in the caller's transaction: an event exists if and only if its change committed.

Every statement that writes `outbox` is here: producers add events, the relay
marks them published, retention deletes published ones. The webhook intake's
one-statement store (raw event and its outbox row together, for its group
commit) builds its outbox insert from `INSERT_INTO`.
"""

from __future__ import annotations

from shared.database import Cursor, Pool, commit_with
from shared.messaging.envelope import Envelope

# The insert's head; the values follow (a VALUES list, or a SELECT in one caller's statement).
INSERT_INTO = "INSERT INTO outbox (message_id, event_type, correlation_id, body)"
_INSERT_ONE = INSERT_INTO + " VALUES (%s, %s, %s, %s)"
_INSERT_VALUES = INSERT_INTO + " VALUES "
# Retention's batched delete of rows published more than `%s` ago (`shared.messaging.retention`).
RETENTION_DELETE = (
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at IS NOT NULL"
    " AND published_at < now() - %s ORDER BY id LIMIT %s)"
)


async def add(cur: Cursor, envelope: Envelope) -> None:
    """Insert one event into the outbox through the caller's transaction cursor."""
    await cur.execute(
        _INSERT_ONE,
        (str(envelope.id), envelope.type, envelope.correlation_id, envelope.to_json()),
    )


async def add_many(cur: Cursor, envelopes: list[Envelope]) -> None:
    """Insert several events with one statement (one round trip)."""
    if not envelopes:
        return
    rows = [(str(e.id), e.type, e.correlation_id, e.to_json()) for e in envelopes]
    placeholders = ",".join(["(%s, %s, %s, %s)"] * len(rows))
    await cur.execute(
        _INSERT_VALUES + placeholders,
        [value for row in rows for value in row],
    )


async def mark_published_and_commit(cur: Cursor, row_ids: list[int]) -> None:
    """The broker confirmed these rows: mark them and commit the relay's transaction (which
    holds their locks) in the same round trip."""
    await commit_with(cur, "UPDATE outbox SET published_at = now() WHERE id = ANY(%s)", (row_ids,))


async def status(pool: Pool) -> dict[str, object]:
    """Pending count and the age of the oldest pending row, for ops and health."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))"
            " FROM outbox WHERE published_at IS NULL"
        )
        row = await cur.fetchone()
    pending, oldest = row
    return {
        "pending": int(pending),
        "oldest_pending_age_seconds": round(float(oldest), 3) if oldest is not None else None,
    }
