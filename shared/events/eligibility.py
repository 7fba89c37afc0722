"""Employer eligibility events: a roster file to process, terminations confirmed, members ended.

They carry ids only: the file's location and the employees' data stay in the
database (and the bucket), never in a message.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime

from shared.events.base import EventData
from shared.messaging.envelope import EventType


class EligibilityFileReceived(EventData):
    """An admin submitted an employer's eligibility file; the gateway worker processes it."""

    file_id: UUID
    employer_id: UUID


class EligibilityTerminationsConfirmed(EventData):
    """An admin confirmed the terminations a file held back (it exceeded the guard ratio)."""

    file_id: UUID
    employer_id: UUID
    confirmed_by: UUID | None = None


class MemberTerminated(EventData):
    """A member's employer access ended: they were absent from the employer's eligibility file."""

    member_id: UUID
    employer_id: UUID
    file_id: UUID
    terminated_at: AwareDatetime


EVENT_TYPES = (
    EventType(
        "eligibility.file_received",
        1,
        EligibilityFileReceived,
        EligibilityFileReceived.__doc__ or "",
    ),
    EventType(
        "eligibility.terminations_confirmed",
        1,
        EligibilityTerminationsConfirmed,
        EligibilityTerminationsConfirmed.__doc__ or "",
    ),
    EventType("member.terminated", 1, MemberTerminated, MemberTerminated.__doc__ or ""),
)
