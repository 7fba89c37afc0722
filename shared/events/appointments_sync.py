"""Scheduling-provider events: a booking webhook arrived and waits for the worker."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class SchedulingInviteeReported(EventData):
    """A verified `invitee.created` / `invitee.canceled` webhook, stored as `webhook_events` row.

    The event names the stored row instead of copying the payload, so invitee names and
    emails stay in one table (with its retention) rather than travelling through the broker.
    """

    webhook_event_id: int = Field(ge=1)
    event: Literal["invitee.created", "invitee.canceled"]


EVENT_TYPES = (
    EventType(
        "scheduling.invitee_reported",
        1,
        SchedulingInviteeReported,
        SchedulingInviteeReported.__doc__ or "",
    ),
)
