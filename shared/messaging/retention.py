"""Deleting what the backbone no longer needs: published outbox rows and old inbox rows.

The statements belong to their tables' owners (`outbox`, `inbox`); this runs them in batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shared.database import Pool, transaction
from shared.messaging import inbox, outbox

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
    outbox_deleted = await _delete_in_batches(pool, outbox.RETENTION_DELETE, outbox_after)
    inbox_deleted = await _delete_in_batches(pool, inbox.RETENTION_DELETE, inbox_after)
    return RetentionResult(outbox_deleted=outbox_deleted, inbox_deleted=inbox_deleted)
