"""The insurance risk rules: one named rule per sentence of the specification.

A rule is data: a stable name (what the advisor console shows as a reason), a description,
and a pure function of the member's facts and the subject being scored. A subject is a
line of insurance, or one house or vehicle of a line. Point rules add or remove risk
points; exclusion rules make a subject ineligible whatever its points. Extending the engine
means adding an entry to `POINT_RULES` or `EXCLUSION_RULES`.

Decisions where the specification leaves a case open (each is tested):

- Ages: "under 30" is `age < 30` (-2); "between 30 and 40" is inclusive, 30 and 40 both
  take -1; "over 60" is `age > 60`, so 60 is still eligible.
- Income: "above $200k" is strictly above 200,000 (200,000.00 takes no deduction); "lower
  than 25k" is strictly below 25,000; "no income" is exactly zero.
- "Produced in the last 5 years" is `year >= today.year - 5`: with today in 2024, 2019
  counts and 2018 does not. A model year ahead of today (next year's model) counts too.
- Domestic partnership scores as married, under its own rule name; divorced as single.
- Several houses and vehicles (the itemized form only): each item is scored on its own;
  "+1 when it is the only one" counts every house the member has, whatever its ownership
  status, and every vehicle. The base form's single house or vehicle does not take it: the
  specification's base example (home "economic") would otherwise change.
- A mortgaged house adds +1 to its own home item and +1, once, to disability, however many
  houses are mortgaged.
- Age and income deductions ("all lines") reach renters and umbrella too.
- Exclusions beat points: an ineligible line or item stays ineligible whatever its score,
  and the score is still reported for the advisor.
- Umbrella is offered when any main line or item (auto, disability, home, renters, life)
  ends economic; renters counts because it stands in place of home. Ineligible lines do not
  count. Every risk answer false with income below 25k makes every line ineligible,
  umbrella and every item included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.domain.risk_profile import (
    InsuranceLine,
    MaritalStatus,
    OwnershipStatus,
    Plan,
    RiskProfileRequest,
)

HIGH_INCOME = Decimal(200_000)
LOW_INCOME = Decimal(25_000)
RECENT_VEHICLE_YEARS = 5
YOUNG_AGE = 30
MIDDLE_AGE_END = 40
SENIOR_AGE = 60

MAIN_LINES = frozenset(
    {
        InsuranceLine.AUTO,
        InsuranceLine.DISABILITY,
        InsuranceLine.HOME,
        InsuranceLine.RENTERS,
        InsuranceLine.LIFE,
    }
)
HOUSE_LINES = frozenset({InsuranceLine.HOME, InsuranceLine.RENTERS})


@dataclass(frozen=True)
class HouseItem:
    """A house, with its id in the itemized form (None in the base form)."""

    id: int | None
    ownership_status: OwnershipStatus


@dataclass(frozen=True)
class VehicleItem:
    """A vehicle, with its id in the itemized form (None in the base form)."""

    id: int | None
    year: int


@dataclass(frozen=True)
class RiskFacts:
    """A request reduced to what the rules read, with the date the rules run on."""

    age: int
    dependents: int
    income: Decimal
    marital_status: MaritalStatus
    risk_answers: tuple[bool, ...]
    houses: tuple[HouseItem, ...]
    vehicles: tuple[VehicleItem, ...]
    itemized: bool
    today: date

    @classmethod
    def from_request(cls, request: RiskProfileRequest, *, today: date) -> RiskFacts:
        """Normalize both request forms into one list of houses and one of vehicles."""
        if request.is_itemized:
            houses = tuple(HouseItem(h.id, h.ownership_status) for h in request.houses or [])
            vehicles = tuple(VehicleItem(v.id, v.year) for v in request.vehicles or [])
        else:
            houses = (
                () if request.house is None else (HouseItem(None, request.house.ownership_status),)
            )
            vehicles = () if request.vehicle is None else (VehicleItem(None, request.vehicle.year),)
        return cls(
            age=request.age,
            dependents=request.dependents,
            income=request.income,
            marital_status=request.marital_status,
            risk_answers=tuple(request.risk_questions),
            houses=houses,
            vehicles=vehicles,
            itemized=request.is_itemized,
            today=today,
        )


@dataclass(frozen=True)
class Subject:
    """What is being scored: a line, or one house or vehicle of a line."""

    line: InsuranceLine
    house: HouseItem | None = None
    vehicle: VehicleItem | None = None

    @property
    def item_id(self) -> int | None:
        """The id of the house or vehicle scored, None for a whole line."""
        if self.house is not None:
            return self.house.id
        if self.vehicle is not None:
            return self.vehicle.id
        return None


@dataclass(frozen=True)
class PointRule:
    """A rule that adds or removes risk points from a subject (0 when it does not apply)."""

    name: str
    description: str
    points: Callable[[RiskFacts, Subject], int]


@dataclass(frozen=True)
class ExclusionRule:
    """A rule that makes a subject ineligible whatever its points."""

    name: str
    description: str
    excludes: Callable[[RiskFacts, Subject], bool]


def _risk_answers(facts: RiskFacts, subject: Subject) -> int:
    return sum(facts.risk_answers)


def _under_30(facts: RiskFacts, subject: Subject) -> int:
    return -2 if facts.age < YOUNG_AGE else 0


def _from_30_to_40(facts: RiskFacts, subject: Subject) -> int:
    return -1 if YOUNG_AGE <= facts.age <= MIDDLE_AGE_END else 0


def _income_above_200k(facts: RiskFacts, subject: Subject) -> int:
    return -1 if facts.income > HIGH_INCOME else 0


def _mortgaged_house(facts: RiskFacts, subject: Subject) -> int:
    if subject.line is InsuranceLine.HOME:
        house = subject.house
        return 1 if house is not None and house.ownership_status is OwnershipStatus.MORTGAGED else 0
    if subject.line is InsuranceLine.DISABILITY:
        mortgaged = any(h.ownership_status is OwnershipStatus.MORTGAGED for h in facts.houses)
        return 1 if mortgaged else 0
    return 0


def _dependents(facts: RiskFacts, subject: Subject) -> int:
    affected = subject.line in (InsuranceLine.DISABILITY, InsuranceLine.LIFE)
    return 1 if affected and facts.dependents > 0 else 0


def _partnered_as(status: MaritalStatus) -> Callable[[RiskFacts, Subject], int]:
    """Married and domestic partnership score alike: +1 life, -1 disability."""

    def points(facts: RiskFacts, subject: Subject) -> int:
        if facts.marital_status is not status:
            return 0
        return {InsuranceLine.LIFE: 1, InsuranceLine.DISABILITY: -1}.get(subject.line, 0)

    return points


def _recent_vehicle(facts: RiskFacts, subject: Subject) -> int:
    vehicle = subject.vehicle
    if subject.line is not InsuranceLine.AUTO or vehicle is None:
        return 0
    return 1 if vehicle.year >= facts.today.year - RECENT_VEHICLE_YEARS else 0


def _only_vehicle(facts: RiskFacts, subject: Subject) -> int:
    is_only = facts.itemized and subject.vehicle is not None and len(facts.vehicles) == 1
    return 1 if subject.line is InsuranceLine.AUTO and is_only else 0


def _only_house(facts: RiskFacts, subject: Subject) -> int:
    is_only = facts.itemized and subject.house is not None and len(facts.houses) == 1
    return 1 if subject.line in HOUSE_LINES and is_only else 0


POINT_RULES: tuple[PointRule, ...] = (
    PointRule("risk_answers", "One point per risk answer that is true", _risk_answers),
    PointRule("age_under_30", "Under 30 years old: -2 on every line", _under_30),
    PointRule("age_30_to_40", "Between 30 and 40 years old: -1 on every line", _from_30_to_40),
    PointRule("income_above_200k", "Income above $200k: -1 on every line", _income_above_200k),
    PointRule(
        "mortgaged_house",
        "Mortgaged house: +1 on that house's home insurance and +1 on disability",
        _mortgaged_house,
    ),
    PointRule("dependents", "Has dependents: +1 on disability and life", _dependents),
    PointRule(
        "married",
        "Married: +1 on life, -1 on disability",
        _partnered_as(MaritalStatus.MARRIED),
    ),
    PointRule(
        "domestic_partnership",
        "Domestic partnership (as married): +1 on life, -1 on disability",
        _partnered_as(MaritalStatus.DOMESTIC_PARTNERSHIP),
    ),
    PointRule(
        "recent_vehicle",
        "Vehicle produced in the last 5 years: +1 on its auto insurance",
        _recent_vehicle,
    ),
    PointRule("only_vehicle", "The member's only vehicle: +1 on its auto insurance", _only_vehicle),
    PointRule("only_house", "The member's only house: +1 on its insurance", _only_house),
)


def _no_income(facts: RiskFacts, subject: Subject) -> bool:
    return subject.line is InsuranceLine.DISABILITY and facts.income == 0


def _no_vehicle(facts: RiskFacts, subject: Subject) -> bool:
    return subject.line is InsuranceLine.AUTO and subject.vehicle is None


def _no_house(facts: RiskFacts, subject: Subject) -> bool:
    return subject.line in HOUSE_LINES and subject.house is None


def _over_60(facts: RiskFacts, subject: Subject) -> bool:
    affected = subject.line in (InsuranceLine.DISABILITY, InsuranceLine.LIFE)
    return affected and facts.age > SENIOR_AGE


def _no_risk_and_low_income(facts: RiskFacts, subject: Subject) -> bool:
    return not any(facts.risk_answers) and facts.income < LOW_INCOME


EXCLUSION_RULES: tuple[ExclusionRule, ...] = (
    ExclusionRule("no_income", "No income: ineligible for disability", _no_income),
    ExclusionRule("no_vehicle", "No vehicle: ineligible for auto", _no_vehicle),
    ExclusionRule("no_house", "No house: ineligible for home", _no_house),
    ExclusionRule("age_over_60", "Over 60 years old: ineligible for disability and life", _over_60),
    ExclusionRule(
        "no_risk_and_low_income",
        "Every risk answer false and income below $25k: ineligible for every line",
        _no_risk_and_low_income,
    ),
)

NO_ECONOMIC_MAIN_LINE = ExclusionRule(
    "no_economic_main_line",
    "Umbrella is offered only when a main line is economic",
    lambda facts, subject: True,
)


def plan_for(score: int) -> Plan:
    """Map a final score onto a plan: 0 and below economic, 1-2 regular, 3+ responsible."""
    if score <= 0:
        return Plan.ECONOMIC
    if score <= 2:
        return Plan.REGULAR
    return Plan.RESPONSIBLE


def umbrella_offered(main_plans: Iterable[Plan]) -> bool:
    """Umbrella insurance is offered when any main line or item ends economic."""
    return any(plan is Plan.ECONOMIC for plan in main_plans)
