"""Email events: requested by the bff (sign-up), sent by the gateway worker through SES."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class EmailRequested(EventData):
    """An email to a person was queued; the worker sends it once (address, body stay in the row)."""

    message_id: UUID = Field(description="Our email_messages row id.")


EVENT_TYPES = (EventType("email.requested", 1, EmailRequested, EmailRequested.__doc__ or ""),)
