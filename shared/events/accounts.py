"""Linked-account events: syncs requested and completed, logins needing re-link."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class AccountsSyncRequested(EventData):
    """Balances and transactions of a linked login should be refreshed."""

    linked_item_id: UUID
    reason: Literal["manual", "webhook", "nightly", "link"]


EVENT_TYPES = (
    EventType(
        "accounts.sync_requested", 1, AccountsSyncRequested, AccountsSyncRequested.__doc__ or ""
    ),
)
