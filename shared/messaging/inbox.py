"""Every statement that writes `inbox`: the message ids each consumer has handled.

The consumer runner records a batch's ids in the handlers' own transaction (so a
redelivery has no second effect); retention deletes rows older than any redelivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Retention's batched delete of rows received more than `%s` ago (`shared.messaging.retention`).
RETENTION_DELETE = (
    "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox"
    " WHERE received_at < now() - %s LIMIT %s)"
)


def record(consumer: str, message_ids: list[str]) -> tuple[str, Sequence[Any]]:
    """The statement (sent with BEGIN) that records the ids; it returns those not seen before."""
    return (
        "INSERT INTO inbox (consumer, message_id)"
        " SELECT %s, unnest(%s::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id::text",
        (consumer, message_ids),
    )
