"""Write events in the caller's transaction: an event exists if and only if its change committed."""

from __future__ import annotations

from shared.database import Cursor, Pool
from shared.messaging.envelope import Envelope


async def add(cur: Cursor, envelope: Envelope) -> None:
    """Insert one event into the outbox through the caller's transaction cursor."""
    await cur.execute(
        "INSERT INTO outbox (message_id, event_type, correlation_id, body) VALUES (%s, %s, %s, %s)",
        (str(envelope.id), envelope.type, envelope.correlation_id, envelope.to_json()),
    )


async def add_many(cur: Cursor, envelopes: list[Envelope]) -> None:
    """Insert several events with one statement (one round trip)."""
    if not envelopes:
        return
    rows = [(str(e.id), e.type, e.correlation_id, e.to_json()) for e in envelopes]
    placeholders = ",".join(["(%s, %s, %s, %s)"] * len(rows))
    await cur.execute(
        "INSERT INTO outbox (message_id, event_type, correlation_id, body) VALUES " + placeholders,  # noqa: S608 - placeholders only
        [value for row in rows for value in row],
    )


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
