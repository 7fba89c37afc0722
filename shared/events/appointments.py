"""Appointment events: an advisor booked or cancelled a session with a member.

The scheduler's reminders and anything else that cares about the calendar react to
these; the bff writes them in the same transaction as the appointment row.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class AppointmentBooked(EventData):
    """A session between a member and their advisor was booked."""

    appointment_id: UUID
    member_id: UUID
    advisor_id: UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    source: Literal["console", "calendly"]


class AppointmentCancelled(EventData):
    """A booked session was cancelled."""

    appointment_id: UUID
    member_id: UUID
    advisor_id: UUID
    starts_at: AwareDatetime
    source: Literal["console", "calendly"]


EVENT_TYPES = (
    EventType("appointment.booked", 1, AppointmentBooked, AppointmentBooked.__doc__ or ""),
    EventType("appointment.cancelled", 1, AppointmentCancelled, AppointmentCancelled.__doc__ or ""),
)
