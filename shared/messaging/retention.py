"""Deleting what the backbone no longer needs: published outbox rows and old inbox rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.database import Pool, transaction

_BATCH = 5_000


@dataclass(frozen=True)
class RetentionResult:
    outbox_deleted: int
    inbox_deleted: int


async def _delete_in_batches(pool: Pool, statement: str, age: timedelta) -> int:
    deleted = 0
    while True:
        async with transaction(pool) as cur:
            await cur.execute(statement, (age, _BATCH))
            count = int(cur.rowcount)
        deleted += count
        if count < _BATCH:
            return deleted


async def delete_expired(
    pool: Pool, *, outbox_after: timedelta, inbox_after: timedelta
) -> RetentionResult:
    """Delete published outbox rows and inbox rows older than the given ages, in small batches.

    Inbox rows must outlive any redelivery of their message (retry tiers top out
    at 10 minutes), so keep `inbox_after` at days, not minutes.
    """
    outbox = await _delete_in_batches(
        pool,
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at IS NOT NULL"
        " AND published_at < now() - %s ORDER BY id LIMIT %s)",
        outbox_after,
    )
    inbox = await _delete_in_batches(
        pool,
        "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox"
        " WHERE received_at < now() - %s LIMIT %s)",
        inbox_after,
    )
    return RetentionResult(outbox_deleted=outbox, inbox_deleted=inbox)
