"""The catalogue of events between processes: each type's data model, at each version.

Producers build envelopes through `REGISTRY.build(...)`; consumers validate
through `REGISTRY.parse(...)`. Every type here has a committed JSON Schema in
`contracts/events/`, and a contract test fails when the two drift.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.messaging.envelope import EventRegistry, EventType


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmsRequested(_Data):
    """An advisor (or a job) asked for an SMS to a member; the worker sends it."""

    message_id: UUID = Field(description="Our message row id; also the provider idempotency key.")
    member_id: UUID


class SmsStatusChanged(_Data):
    """The provider reported a new delivery status for a message."""

    message_id: UUID
    status: Literal["queued", "sending", "sent", "delivered", "undelivered", "failed"]
    provider_message_id: str | None = None
    error_code: str | None = None


class AccountsSyncRequested(_Data):
    """Balances and transactions of a linked login should be refreshed."""

    linked_item_id: UUID
    reason: Literal["manual", "webhook", "nightly", "link"]


REGISTRY = EventRegistry(
    EventType("sms.requested", 1, SmsRequested, SmsRequested.__doc__ or ""),
    EventType("sms.status_changed", 1, SmsStatusChanged, SmsStatusChanged.__doc__ or ""),
    EventType(
        "accounts.sync_requested", 1, AccountsSyncRequested, AccountsSyncRequested.__doc__ or ""
    ),
)
