"""Insurance risk profile: the request and response shapes of Origin's specification.

The shapes follow Origin's public take-home specification
(OriginFinancial/origin-backend-take-home-assignment, README before 2024) and its on-site
extensions (OriginFinancial/backend-on-site). A request comes in one of two forms:

- the base form, with an optional single `house` and `vehicle`: the response names each
  line's plan as a string (`"auto": "regular"`);
- the itemized form, with `houses` and `vehicles` lists whose items carry an `id`: the
  response lists a plan per item for auto, home and renters (`"auto": [{"id": 1, "plan":
  "regular"}]`), and a line with no item at all is the string `"ineligible"`.

The two forms do not mix: a request with `houses` or `vehicles` may not also carry `house`
or `vehicle`. The rules live in `shared.domain.risk_rules`; `assess_risk` in
`shared.domain.risk_assessment` turns a request into a `RiskAssessment`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Protocol, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from shared.domain.money_input import MoneyInput

MAX_ITEMS = 50


class MaritalStatus(StrEnum):
    """Marital statuses; the spelling follows the specification (with a space)."""

    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    DOMESTIC_PARTNERSHIP = "domestic partnership"


class OwnershipStatus(StrEnum):
    """How a member holds a house; a rented house is covered by renters insurance."""

    OWNED = "owned"
    MORTGAGED = "mortgaged"
    RENTED = "rented"


class InsuranceLine(StrEnum):
    """The lines of insurance a profile scores."""

    AUTO = "auto"
    DISABILITY = "disability"
    HOME = "home"
    RENTERS = "renters"
    LIFE = "life"
    UMBRELLA = "umbrella"


class Plan(StrEnum):
    """The plan suggested for a line (or an item of a line)."""

    ECONOMIC = "economic"
    REGULAR = "regular"
    RESPONSIBLE = "responsible"
    INELIGIBLE = "ineligible"


def _risk_answer(value: object) -> object:
    """Accept the spec's 0/1 as well as true/false, and nothing else (no "1", no 1.0)."""
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    raise ValueError("a risk answer is true, false, 0 or 1")


RiskAnswer = Annotated[
    bool,
    BeforeValidator(_risk_answer),
    WithJsonSchema(
        {"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]}]},
        mode="validation",
    ),
]
Count = Annotated[int, Field(strict=True, ge=0, le=150)]
Income = Annotated[Decimal, MoneyInput(max_digits=15, positive=False)]
ItemId = Annotated[int, Field(strict=True, ge=0)]
# A positive year, as the spec says; how recent it is gets judged against the injected date.
VehicleYear = Annotated[int, Field(strict=True, gt=0, le=9999)]


class House(BaseModel):
    """The base form's single house."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ownership_status: OwnershipStatus


class Vehicle(BaseModel):
    """The base form's single vehicle: the year it was manufactured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: VehicleYear


class ListedHouse(BaseModel):
    """A house of the itemized form, named by an id unique among the member's houses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    ownership_status: OwnershipStatus


class ListedVehicle(BaseModel):
    """A vehicle of the itemized form, named by an id unique among the member's vehicles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    year: VehicleYear


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


def _duplicate_ids(items: Sequence[_Identified]) -> list[int]:
    counts = Counter(item.id for item in items)
    return sorted(item_id for item_id, count in counts.items() if count > 1)


class RiskProfileRequest(BaseModel):
    """What the member tells us: personal facts, house(s), vehicle(s), three risk answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: Count
    dependents: Count
    income: Income
    marital_status: MaritalStatus
    risk_questions: tuple[RiskAnswer, RiskAnswer, RiskAnswer]
    house: House | None = None
    vehicle: Vehicle | None = None
    houses: Annotated[list[ListedHouse], Field(max_length=MAX_ITEMS)] | None = None
    vehicles: Annotated[list[ListedVehicle], Field(max_length=MAX_ITEMS)] | None = None

    @model_validator(mode="after")
    def _one_form_with_unique_ids(self) -> Self:
        if self.is_itemized and (self.house is not None or self.vehicle is not None):
            raise ValueError(
                "use either house and vehicle, or houses and vehicles lists, not both forms"
            )
        for name, items in (("houses", self.houses or []), ("vehicles", self.vehicles or [])):
            duplicates = _duplicate_ids(items)
            if duplicates:
                raise ValueError(f"{name} ids must be unique; repeated: {duplicates}")
        return self

    @property
    def is_itemized(self) -> bool:
        """True for the extension's form (`houses`/`vehicles` lists with ids)."""
        return self.houses is not None or self.vehicles is not None


class ItemPlan(BaseModel):
    """The plan for one house or vehicle of an itemized request."""

    model_config = ConfigDict(frozen=True)

    id: int
    plan: Plan


LinePlan = Plan | list[ItemPlan]


def _absent(value: object) -> bool:
    return value is None


class RiskProfile(BaseModel):
    """The specification's response: a plan per line, or per item in the itemized form.

    `home` is present when the member has an owned or mortgaged house, or no house at all
    (then `"ineligible"`); `renters` only when they have a rented house. Absent lines are
    left out of the dump, not written as null, so the shape stays the specification's.
    `umbrella` is always present, though some on-site examples leave it out of their output.
    """

    model_config = ConfigDict(frozen=True)

    auto: LinePlan
    disability: Plan
    home: LinePlan | None = Field(default=None, exclude_if=_absent)
    renters: LinePlan | None = Field(default=None, exclude_if=_absent)
    life: Plan
    umbrella: Plan


class Reason(BaseModel):
    """A rule that moved a score, and by how many points."""

    model_config = ConfigDict(frozen=True)

    rule: str
    description: str
    points: int


class Exclusion(BaseModel):
    """A rule that made a line (or item) ineligible."""

    model_config = ConfigDict(frozen=True)

    rule: str
    description: str


class LineAssessment(BaseModel):
    """How one line (or one item of a line) was scored: the advisor console's explanation.

    `score` is the sum of the reasons' points; it is kept even when the line is ineligible
    so an advisor can see what the plan would have been.
    """

    model_config = ConfigDict(frozen=True)

    line: InsuranceLine
    item_id: int | None
    plan: Plan
    score: int
    reasons: list[Reason]
    ineligible_because: list[Exclusion]


class RiskAssessment(BaseModel):
    """The response in the specification's shape, and apart from it the reasons behind it."""

    model_config = ConfigDict(frozen=True)

    profile: RiskProfile
    lines: list[LineAssessment]

    def for_line(self, line: InsuranceLine, item_id: int | None = None) -> LineAssessment:
        """The explanation of one line, or of one item of an itemized line."""
        for assessment in self.lines:
            if assessment.line is line and assessment.item_id == item_id:
                return assessment
        raise KeyError((line, item_id))
