"""SMS events: requested by the bff or the scheduler, reported by the provider."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class SmsRequested(EventData):
    """An advisor (or a job) asked for an SMS to a member; the worker sends it."""

    message_id: UUID = Field(description="Our message row id; also the provider idempotency key.")
    member_id: UUID


class SmsStatusChanged(EventData):
    """The provider reported a new delivery status for a message."""

    message_id: UUID
    status: Literal["queued", "sending", "sent", "delivered", "undelivered", "failed"]
    provider_message_id: str | None = None
    error_code: str | None = None


EVENT_TYPES = (
    EventType("sms.requested", 1, SmsRequested, SmsRequested.__doc__ or ""),
    EventType("sms.status_changed", 1, SmsStatusChanged, SmsStatusChanged.__doc__ or ""),
)
