"""Linked-account events: syncs requested and completed, logins needing re-link."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class AccountsSyncRequested(EventData):
    """Balances and transactions of a linked login should be refreshed."""

    linked_item_id: UUID
    reason: Literal["manual", "webhook", "nightly", "link"]


class AccountsSynced(EventData):
    """A linked login's balances and transactions were refreshed (counts only, no amounts)."""

    linked_item_id: UUID
    member_id: UUID
    accounts: int = Field(ge=0)
    transactions_added: int = Field(ge=0)
    transactions_modified: int = Field(ge=0)
    transactions_removed: int = Field(ge=0)


class AccountsItemStatusReported(EventData):
    """The aggregator reported a problem with a linked login (an item webhook)."""

    linked_item_id: UUID
    webhook_code: str = Field(max_length=100)
    error_code: str | None = Field(default=None, max_length=100)


class AccountsRelinkRequired(EventData):
    """A linked login stopped working (or soon will): the member must link it again."""

    linked_item_id: UUID
    member_id: UUID
    reason: str = Field(max_length=100, description="The provider's webhook or error code.")


EVENT_TYPES = (
    EventType(
        "accounts.sync_requested", 1, AccountsSyncRequested, AccountsSyncRequested.__doc__ or ""
    ),
    EventType("accounts.synced", 1, AccountsSynced, AccountsSynced.__doc__ or ""),
    EventType(
        "accounts.item_status_reported",
        1,
        AccountsItemStatusReported,
        AccountsItemStatusReported.__doc__ or "",
    ),
    EventType(
        "accounts.relink_required", 1, AccountsRelinkRequired, AccountsRelinkRequired.__doc__ or ""
    ),
)
