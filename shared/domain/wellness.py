"""Financial wellness score: how much of a member's net income their living costs take.

Net income is 92% of annual gross income (an 8% tax); annual costs are twelve times the
monthly costs. Costs of at most 25% of net income score HEALTHY, above 25% and at most
75% MEDIUM, above 75% LOW.

The score is decided on exact Decimals (by cross-multiplying, never by dividing), so a
member exactly on a threshold lands on the side the rule names. The figures returned next
to the score are rounded for display only, half to even: money to cents, the cost ratio to
four places (a fraction of net income: 0.2500 is 25.00%). A displayed ratio of 0.2500 can
therefore sit next to MEDIUM when the exact ratio is a hair above 25%.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.money_input import MoneyInput

NET_INCOME_SHARE = Decimal("0.92")
HEALTHY_COST_SHARE = Decimal("0.25")
MEDIUM_COST_SHARE = Decimal("0.75")
MONTHS_PER_YEAR = 12

CENTS = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")

# Inputs carry at most 13 integer digits and 2 decimals, so every product below stays far
# inside this precision and the comparisons are exact whatever the global context says.
_PRECISION = 40

PositiveMoney = Annotated[Decimal, MoneyInput(max_digits=15, positive=True)]


class WellnessScore(StrEnum):
    """The three bands of the financial wellness score."""

    HEALTHY = "HEALTHY"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class WellnessInput(BaseModel):
    """Gross annual income and monthly costs; both must be above zero."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    annual_income: PositiveMoney
    monthly_costs: PositiveMoney


class WellnessAssessment(BaseModel):
    """The score with the figures that explain it (rounded for display, see module doc)."""

    model_config = ConfigDict(frozen=True)

    score: WellnessScore
    net_income: Decimal = Field(description="Annual net income: 92% of gross, in cents.")
    annual_costs: Decimal = Field(description="Twelve months of costs, in cents.")
    cost_ratio: Decimal = Field(
        description="Annual costs as a fraction of net income, four places (0.2500 = 25%)."
    )


def assess_wellness(wellness_input: WellnessInput) -> WellnessAssessment:
    """Score how much of the net income the costs take, with the figures behind it."""
    return assess_valid_figures(wellness_input.annual_income, wellness_input.monthly_costs)


def assess_valid_figures(annual_income: Decimal, monthly_costs: Decimal) -> WellnessAssessment:
    """`assess_wellness` of figures known to be what `WellnessInput` accepts (stored ones).

    The member screen scores stored figures on every view; validating them again as a
    `WellnessInput` cost a third of the score.
    """
    with localcontext() as context:
        context.prec = _PRECISION
        net_income = annual_income * NET_INCOME_SHARE
        annual_costs = monthly_costs * MONTHS_PER_YEAR
        if annual_costs <= net_income * HEALTHY_COST_SHARE:
            score = WellnessScore.HEALTHY
        elif annual_costs <= net_income * MEDIUM_COST_SHARE:
            score = WellnessScore.MEDIUM
        else:
            score = WellnessScore.LOW
        ratio = annual_costs / net_income
        return WellnessAssessment(
            score=score,
            net_income=net_income.quantize(CENTS, rounding=ROUND_HALF_EVEN),
            annual_costs=annual_costs.quantize(CENTS, rounding=ROUND_HALF_EVEN),
            cost_ratio=ratio.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN),
        )
