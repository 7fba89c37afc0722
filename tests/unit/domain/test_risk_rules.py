"""Each base rule of the risk algorithm on its own, with the boundaries we decided."""

from __future__ import annotations

import pytest

from shared.domain.risk_profile import InsuranceLine, Plan
from shared.domain.risk_rules import plan_for
from tests.unit.domain.builders import assess, excluded_by, moved_by

AUTO = InsuranceLine.AUTO
DISABILITY = InsuranceLine.DISABILITY
HOME = InsuranceLine.HOME
LIFE = InsuranceLine.LIFE
UMBRELLA = InsuranceLine.UMBRELLA
MAIN = (AUTO, DISABILITY, HOME, LIFE)


def test_the_neutral_member_scores_only_the_base_score_on_every_main_line():
    assessment = assess()

    for line in MAIN:
        assert moved_by(assessment, line) == {"risk_answers": 1}
        assert assessment.for_line(line).plan is Plan.REGULAR


def test_the_base_score_counts_the_true_risk_answers():
    assessment = assess(risk_questions=[True, True, False])

    for line in MAIN:
        assert moved_by(assessment, line) == {"risk_answers": 2}


def test_no_income_makes_disability_ineligible_and_nothing_else():
    assessment = assess(income=0)

    assert excluded_by(assessment, DISABILITY) == ["no_income"]
    assert assessment.profile.disability is Plan.INELIGIBLE
    assert [excluded_by(assessment, line) for line in (AUTO, HOME, LIFE)] == [[], [], []]


def test_no_vehicle_makes_auto_ineligible():
    assessment = assess(vehicle=...)

    assert excluded_by(assessment, AUTO) == ["no_vehicle"]
    assert assessment.profile.auto is Plan.INELIGIBLE


def test_no_house_makes_home_ineligible_and_offers_no_renters():
    assessment = assess(house=None)

    assert excluded_by(assessment, HOME) == ["no_house"]
    assert assessment.profile.model_dump(mode="json")["home"] == "ineligible"
    assert "renters" not in assessment.profile.model_dump()


@pytest.mark.parametrize(("age", "eligible"), [(60, True), (61, False), (90, False)])
def test_over_60_makes_disability_and_life_ineligible_and_60_is_not_over(age, eligible):
    assessment = assess(age=age)

    for line in (DISABILITY, LIFE):
        assert excluded_by(assessment, line) == ([] if eligible else ["age_over_60"])
    assert excluded_by(assessment, AUTO) == excluded_by(assessment, HOME) == []


@pytest.mark.parametrize(
    ("age", "moves"),
    [
        (0, {"age_under_30": -2}),
        (29, {"age_under_30": -2}),
        (30, {"age_30_to_40": -1}),
        (40, {"age_30_to_40": -1}),
        (41, {}),
    ],
)
def test_age_deducts_2_under_30_and_1_from_30_to_40_inclusive_on_every_line(age, moves):
    assessment = assess(age=age)

    for line in (*MAIN, UMBRELLA):
        assert moved_by(assessment, line) == {"risk_answers": 1, **moves}


@pytest.mark.parametrize(
    ("income", "moves"),
    [
        ("200000", {}),
        ("200000.00", {}),
        ("200000.01", {"income_above_200k": -1}),
        ("5000000", {"income_above_200k": -1}),
    ],
)
def test_income_strictly_above_200k_deducts_1_on_every_line(income, moves):
    assessment = assess(income=income)

    for line in (*MAIN, UMBRELLA):
        assert moved_by(assessment, line) == {"risk_answers": 1, **moves}


def test_a_mortgaged_house_adds_1_to_home_and_disability_only():
    assessment = assess(house={"ownership_status": "mortgaged"})

    assert moved_by(assessment, HOME) == {"risk_answers": 1, "mortgaged_house": 1}
    assert moved_by(assessment, DISABILITY) == {"risk_answers": 1, "mortgaged_house": 1}
    assert moved_by(assessment, AUTO) == moved_by(assessment, LIFE) == {"risk_answers": 1}


def test_an_owned_house_adds_nothing():
    assessment = assess(house={"ownership_status": "owned"})

    assert moved_by(assessment, HOME) == moved_by(assessment, DISABILITY) == {"risk_answers": 1}


@pytest.mark.parametrize(("dependents", "points"), [(0, 0), (1, 1), (7, 1)])
def test_dependents_add_1_to_disability_and_life(dependents, points):
    assessment = assess(dependents=dependents)

    for line in (DISABILITY, LIFE):
        assert moved_by(assessment, line).get("dependents", 0) == points
    assert moved_by(assessment, AUTO) == moved_by(assessment, HOME) == {"risk_answers": 1}


def test_married_adds_1_to_life_and_removes_1_from_disability():
    assessment = assess(marital_status="married")

    assert moved_by(assessment, LIFE) == {"risk_answers": 1, "married": 1}
    assert moved_by(assessment, DISABILITY) == {"risk_answers": 1, "married": -1}
    assert moved_by(assessment, AUTO) == moved_by(assessment, HOME) == {"risk_answers": 1}


@pytest.mark.parametrize(
    ("year", "recent"),
    [(2022, True), (2017, True), (2016, False), (1990, False), (2023, True)],
)
def test_a_vehicle_from_the_last_5_years_adds_1_to_auto_counting_back_from_today(year, recent):
    assessment = assess(vehicle={"year": year})

    expected = {"risk_answers": 1, "recent_vehicle": 1} if recent else {"risk_answers": 1}
    assert moved_by(assessment, AUTO) == expected
    assert moved_by(assessment, HOME) == {"risk_answers": 1}


@pytest.mark.parametrize(
    ("score", "plan"),
    [
        (-5, Plan.ECONOMIC),
        (0, Plan.ECONOMIC),
        (1, Plan.REGULAR),
        (2, Plan.REGULAR),
        (3, Plan.RESPONSIBLE),
        (6, Plan.RESPONSIBLE),
    ],
)
def test_final_scores_map_onto_plans(score, plan):
    assert plan_for(score) is plan


def test_rules_add_up_into_a_responsible_life_plan():
    assessment = assess(risk_questions=[1, 1, 1], dependents=2, marital_status="married")

    assert assessment.for_line(LIFE).score == 5
    assert assessment.profile.life is Plan.RESPONSIBLE


def test_an_exclusion_beats_the_points_and_the_score_is_still_reported():
    assessment = assess(age=70, risk_questions=[1, 1, 1], dependents=1)

    life = assessment.for_line(LIFE)
    assert life.plan is Plan.INELIGIBLE
    assert life.score == 4
    assert [rule.rule for rule in life.ineligible_because] == ["age_over_60"]


def test_income_is_read_as_an_exact_decimal():
    assessment = assess(income="0.01")

    assert excluded_by(assessment, DISABILITY) == []
    assert assessment.for_line(DISABILITY).score == 1
