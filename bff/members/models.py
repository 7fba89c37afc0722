"""Request and response models of the member routes (the console's member list and screen)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.json_schema import SkipJsonSchema

from shared.domain.money_input import MoneyInput
from shared.domain.risk_profile import (
    LineAssessment,
    ListedHouse,
    ListedVehicle,
    MaritalStatus,
    RiskProfile,
)
from shared.domain.wellness import WellnessAssessment

E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{7,14}$", examples=["+14155550123"])]
Money = Annotated[Decimal, MoneyInput(max_digits=14, positive=False)]
AccessType = Literal["employer", "dtc"]
MemberStatus = Literal["active", "terminated"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonRef(_Out):
    """A user named on a screen (an advisor, a note's author)."""

    id: uuid.UUID
    full_name: str


class EmployerRef(_Out):
    """The employer that gives the member access."""

    id: uuid.UUID
    name: str


class MemberListQuery(BaseModel):
    """Search, filters, sort and cursor of the member list."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, Field(max_length=200)] | None = None
    access_type: AccessType | None = None
    status: MemberStatus | None = None
    advisor_id: uuid.UUID | None = None
    cursor: Annotated[str, Field(max_length=512)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    sort: Literal["name", "-name", "created_at", "-created_at"] = "name"


class MemberListItem(_Out):
    """One row of the member list."""

    id: uuid.UUID
    full_name: str | None
    email: str
    access_type: AccessType
    employer_name: str | None
    advisor: PersonRef | None
    status: MemberStatus


class MemberList(_Out):
    """A page of members; pass `next_cursor` back as `cursor` for the next page."""

    items: list[MemberListItem]
    next_cursor: str | None


class MemberOut(_Out):
    """Who the member is and how to reach them."""

    id: uuid.UUID
    full_name: str | None
    email: str
    phone_e164: str | None
    country: str
    sms_opt_in: bool
    access_type: AccessType
    employer: EmployerRef | None
    advisor: PersonRef | None
    status: MemberStatus


class ProfileOut(_Out):
    """The financial profile advisors work from."""

    age: int | None
    dependents: int | None
    annual_income: Decimal | None
    monthly_costs: Decimal | None
    marital_status: MaritalStatus | None
    houses: list[ListedHouse]
    vehicles: list[ListedVehicle]
    risk_answers: list[bool] | None


class RiskProfileRecord(_Out):
    """A stored risk profile: the specification's response and the reasons per line."""

    id: uuid.UUID
    computed_at: datetime
    profile: RiskProfile
    lines: list[LineAssessment]


class BalancePoint(_Out):
    """An account's balances after one sync (for the balance chart)."""

    at: datetime
    current_balance: Decimal | None
    available_balance: Decimal | None


class AccountOut(_Out):
    """A bank account with its latest balances (money as decimal strings)."""

    id: uuid.UUID
    name: str
    mask: str | None
    type: str | None
    subtype: str | None
    current_balance: Decimal | None
    available_balance: Decimal | None
    currency: str | None
    history: list[BalancePoint] = Field(
        default_factory=list,
        description="Balances after each sync that changed them, oldest first (the last 30).",
    )


class LinkedItemOut(_Out):
    """A linked login at a bank, with its sync state and accounts."""

    id: uuid.UUID
    institution_name: str | None
    status: str
    sync_status: str
    last_synced_at: datetime | None
    accounts: list[AccountOut]


class AppointmentOut(_Out):
    """An appointment between the member and their advisor."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: Literal["booked", "cancelled"]
    source: Literal["console", "calendly"]


class MessageOut(_Out):
    """An SMS to the member with its delivery status."""

    id: uuid.UUID
    body: str
    status: str
    error_code: str | None
    created_at: datetime
    updated_at: datetime


class NoteOut(_Out):
    """An advisor's note about the member."""

    id: uuid.UUID
    body: str
    author: PersonRef
    created_at: datetime


class MemberScreen(_Out):
    """Everything the member screen shows, in one response."""

    member: MemberOut
    profile: ProfileOut | None
    wellness: WellnessAssessment | None
    risk_profile: RiskProfileRecord | None
    linked_items: list[LinkedItemOut]
    appointments: list[AppointmentOut] = Field(description="Upcoming booked appointments.")
    messages: list[MessageOut] = Field(description="Most recent first.")
    notes: list[NoteOut] = Field(description="Most recent first.")


def _unique_ids(items: list[ListedHouse] | list[ListedVehicle] | None) -> None:
    if items is not None and len({item.id for item in items}) != len(items):
        raise ValueError("ids must be unique")


class MemberPatch(BaseModel):
    """Contact data and profile fields to change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    phone_e164: E164 | None = None
    # null is refused (below), so the schema offers only true or false.
    sms_opt_in: StrictBool | SkipJsonSchema[None] = None
    age: Annotated[int, Field(strict=True, ge=0, le=150)] | None = None
    dependents: Annotated[int, Field(strict=True, ge=0, le=150)] | None = None
    annual_income: Money | None = None
    monthly_costs: Money | None = None
    marital_status: MaritalStatus | None = None
    houses: Annotated[list[ListedHouse], Field(max_length=50)] | None = None
    vehicles: Annotated[list[ListedVehicle], Field(max_length=50)] | None = None
    risk_answers: Annotated[list[StrictBool], Field(min_length=3, max_length=3)] | None = None

    @field_validator("houses", "vehicles")
    @classmethod
    def _ids_unique(
        cls, value: list[ListedHouse] | list[ListedVehicle] | None
    ) -> list[ListedHouse] | list[ListedVehicle] | None:
        _unique_ids(value)
        return value

    @field_validator("sms_opt_in")
    @classmethod
    def _not_null(cls, value: bool | None) -> bool | None:
        if value is None:
            raise ValueError("sms_opt_in is true or false")
        return value


class NoteIn(BaseModel):
    """A note to add to the member."""

    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=5000)]
