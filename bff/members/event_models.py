"""What the live member page's event stream carries (documented in the OpenAPI).

The feed writes these documents from `member_changes` rows without building the
models (`bff.members.change_feed.change_from_row`); the models are the contract, and the
integration tests parse every event the stream sends with them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from bff.members.models import (
    AppointmentOut,
    LinkedItemOut,
    MemberOut,
    MemberScreen,
    MessageOut,
    NoteOut,
    ProfileOut,
    RiskProfileRecord,
)
from shared.domain.wellness import WellnessAssessment


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True)


class MessageChanged(_Change):
    """An SMS was sent or its delivery status changed."""

    kind: Literal["message"]
    message: MessageOut


class NoteAdded(_Change):
    """A note was added."""

    kind: Literal["note"]
    note: NoteOut


class AppointmentChanged(_Change):
    """An appointment was booked, moved or cancelled (a cancelled one leaves the page)."""

    kind: Literal["appointment"]
    appointment: AppointmentOut


class LinkedItemChanged(_Change):
    """A linked login was added, or its sync started, finished or failed (with its accounts)."""

    kind: Literal["linked_item"]
    linked_item: LinkedItemOut


class MemberChanged(_Change):
    """Contact data or the advisor changed."""

    kind: Literal["member"]
    member: MemberOut


class ProfileChanged(_Change):
    """The financial profile changed, with the wellness score it implies."""

    kind: Literal["profile"]
    profile: ProfileOut
    wellness: WellnessAssessment | None


class RiskProfileComputed(_Change):
    """A risk profile was computed."""

    kind: Literal["risk_profile"]
    risk_profile: RiskProfileRecord


MemberChange = Annotated[
    MessageChanged
    | NoteAdded
    | AppointmentChanged
    | LinkedItemChanged
    | MemberChanged
    | ProfileChanged
    | RiskProfileComputed,
    Field(discriminator="kind"),
]


class StreamEnd(BaseModel):
    """The server closes the stream: `shutdown` and `behind` reconnect; `session` and
    `access` mean the member is out of reach; `finished`: the eligibility file is done."""

    model_config = ConfigDict(frozen=True)

    reason: Literal["shutdown", "session", "access", "behind", "finished"]


class MemberEventData(RootModel[MemberScreen | MemberChange | StreamEnd]):
    """The `data` of one event: `screen` (MemberScreen), `change` (one change) or `end`."""
