"""The financial wellness score: bands, thresholds, figures, and refused inputs."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.wellness import (
    WellnessInput,
    WellnessScore,
    assess_valid_figures,
    assess_wellness,
)


def score(annual_income: str, monthly_costs: str) -> WellnessScore:
    wellness_input = WellnessInput(
        annual_income=Decimal(annual_income), monthly_costs=Decimal(monthly_costs)
    )
    return assess_wellness(wellness_input).score


@pytest.mark.parametrize(
    ("monthly_costs", "expected"),
    [
        ("1000", WellnessScore.HEALTHY),
        ("2300", WellnessScore.HEALTHY),  # 27,600 a year: exactly 25% of 110,400 net
        ("2300.01", WellnessScore.MEDIUM),
        ("6900", WellnessScore.MEDIUM),  # 82,800 a year: exactly 75% of net
        ("6900.01", WellnessScore.LOW),
        ("20000", WellnessScore.LOW),
    ],
)
def test_costs_are_banded_against_net_income_with_thresholds_inclusive(monthly_costs, expected):
    assert score("120000", monthly_costs) is expected


def test_the_figures_explain_the_score():
    assessment = assess_wellness(
        WellnessInput(annual_income=Decimal(100_000), monthly_costs=Decimal(2_000))
    )

    assert assessment.score is WellnessScore.MEDIUM
    assert assessment.net_income == Decimal("92000.00")
    assert assessment.annual_costs == Decimal("24000.00")
    assert assessment.cost_ratio == Decimal("0.2609")


def test_net_income_is_rounded_to_cents_for_display():
    assessment = assess_wellness(
        WellnessInput(annual_income=Decimal("1000.01"), monthly_costs=Decimal("1"))
    )

    assert str(assessment.net_income) == "920.01"
    assert str(assessment.annual_costs) == "12.00"
    assert str(assessment.cost_ratio) == "0.0130"


def test_the_score_does_not_depend_on_the_global_decimal_precision():
    with localcontext() as context:
        context.prec = 3
        assert score("120000", "2300") is WellnessScore.HEALTHY
        assert score("120000", "2300.01") is WellnessScore.MEDIUM


def test_the_input_reads_the_json_the_bff_receives():
    wellness_input = WellnessInput.model_validate_json(
        '{"annual_income": "85000.50", "monthly_costs": 1500}'
    )

    assert wellness_input.annual_income == Decimal("85000.50")
    assert wellness_input.monthly_costs == Decimal(1500)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"annual_income": 0, "monthly_costs": 100}, "annual_income"),
        ({"annual_income": -5, "monthly_costs": 100}, "annual_income"),
        ({"annual_income": 1000, "monthly_costs": 0}, "monthly_costs"),
        ({"annual_income": 1000, "monthly_costs": -0.01}, "monthly_costs"),
        ({"annual_income": "Infinity", "monthly_costs": 100}, "annual_income"),
        ({"annual_income": "NaN", "monthly_costs": 100}, "annual_income"),
        ({"annual_income": True, "monthly_costs": 100}, "annual_income"),
        ({"annual_income": "1000.001", "monthly_costs": 100}, "annual_income"),
        ({"annual_income": "abc", "monthly_costs": 100}, "annual_income"),
        ({"monthly_costs": 100}, "annual_income"),
        ({"annual_income": 1000, "monthly_costs": 100, "extra": 1}, "extra"),
    ],
)
def test_income_and_costs_must_be_numbers_above_zero(payload: dict[str, Any], field):
    with pytest.raises(ValidationError) as caught:
        WellnessInput.model_validate_json(json.dumps(payload))

    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize(
    ("annual_income", "monthly_costs"),
    [("120000", "2300"), ("120000", "2300.01"), ("1000.01", "1"), ("99999999999.99", "0.01")],
)
def test_stored_figures_are_scored_exactly_as_validated_input(annual_income, monthly_costs):
    income, costs = Decimal(annual_income), Decimal(monthly_costs)

    assert assess_valid_figures(income, costs) == assess_wellness(
        WellnessInput(annual_income=income, monthly_costs=costs)
    )
