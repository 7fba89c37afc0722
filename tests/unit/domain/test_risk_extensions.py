"""The on-site extensions: umbrella, several houses and vehicles, renters, partners, low income."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain.risk_profile import InsuranceLine, ItemPlan, Plan
from tests.unit.domain.builders import assess, excluded_by, moved_by

AUTO = InsuranceLine.AUTO
DISABILITY = InsuranceLine.DISABILITY
HOME = InsuranceLine.HOME
RENTERS = InsuranceLine.RENTERS
LIFE = InsuranceLine.LIFE
UMBRELLA = InsuranceLine.UMBRELLA


def itemized(houses: list[dict[str, Any]], vehicles: list[dict[str, Any]], **overrides: Any):
    return assess(house=..., vehicle=..., houses=houses, vehicles=vehicles, **overrides)


def dumped(assessment) -> dict[str, Any]:
    result: dict[str, Any] = assessment.profile.model_dump(mode="json")
    return result


# Umbrella


def test_umbrella_is_offered_when_a_main_line_is_economic():
    assessment = assess(risk_questions=[0, 0, 0])

    assert assessment.profile.umbrella is Plan.ECONOMIC
    assert excluded_by(assessment, UMBRELLA) == []


def test_umbrella_is_ineligible_when_no_main_line_is_economic():
    assessment = assess()

    assert assessment.profile.umbrella is Plan.INELIGIBLE
    assert excluded_by(assessment, UMBRELLA) == ["no_economic_main_line"]


def test_an_ineligible_line_does_not_offer_umbrella_however_low_its_score():
    assessment = assess(income=0, marital_status="married")

    assert assessment.for_line(DISABILITY).score == 0
    assert assessment.profile.disability is Plan.INELIGIBLE
    assert assessment.profile.umbrella is Plan.INELIGIBLE


def test_umbrella_takes_the_rules_for_every_line_and_not_the_line_specific_ones():
    assessment = assess(
        age=25,
        income=300_000,
        risk_questions=[1, 1, 1],
        dependents=3,
        marital_status="married",
        house={"ownership_status": "mortgaged"},
    )

    assert assessment.profile.auto is Plan.ECONOMIC
    assert moved_by(assessment, UMBRELLA) == {
        "risk_answers": 3,
        "age_under_30": -2,
        "income_above_200k": -1,
    }
    assert assessment.profile.umbrella is Plan.ECONOMIC


def test_an_economic_renters_line_offers_umbrella():
    assessment = assess(house={"ownership_status": "rented"}, age=35)

    assert assessment.profile.renters is Plan.ECONOMIC
    assert assessment.profile.umbrella is Plan.ECONOMIC


def test_one_economic_item_offers_umbrella():
    assessment = itemized([], [{"id": 1, "year": 2021}, {"id": 2, "year": 2000}], age=35)

    assert assessment.profile.auto == [
        ItemPlan(id=1, plan=Plan.REGULAR),
        ItemPlan(id=2, plan=Plan.ECONOMIC),
    ]
    assert assessment.profile.umbrella is Plan.ECONOMIC


# Several houses and vehicles


def test_each_vehicle_is_scored_on_its_own():
    assessment = itemized([], [{"id": 7, "year": 2020}, {"id": 9, "year": 2001}])

    assert moved_by(assessment, AUTO, 7) == {"risk_answers": 1, "recent_vehicle": 1}
    assert moved_by(assessment, AUTO, 9) == {"risk_answers": 1}


def test_the_only_vehicle_takes_one_more_point():
    assessment = itemized([], [{"id": 3, "year": 2001}])

    assert moved_by(assessment, AUTO, 3) == {"risk_answers": 1, "only_vehicle": 1}
    assert dumped(assessment)["auto"] == [{"id": 3, "plan": "regular"}]


def test_the_only_house_takes_one_more_point():
    assessment = itemized([{"id": 4, "ownership_status": "owned"}], [])

    assert moved_by(assessment, HOME, 4) == {"risk_answers": 1, "only_house": 1}


def test_the_only_house_rule_counts_rented_houses_too():
    assessment = itemized(
        [{"id": 1, "ownership_status": "owned"}, {"id": 2, "ownership_status": "rented"}], []
    )

    assert moved_by(assessment, HOME, 1) == {"risk_answers": 1}
    assert moved_by(assessment, RENTERS, 2) == {"risk_answers": 1}
    assert dumped(assessment)["home"] == [{"id": 1, "plan": "regular"}]
    assert dumped(assessment)["renters"] == [{"id": 2, "plan": "regular"}]


def test_the_base_forms_single_house_and_vehicle_take_no_only_one_point():
    assessment = assess()

    assert "only_house" not in moved_by(assessment, HOME)
    assert "only_vehicle" not in moved_by(assessment, AUTO)


def test_a_mortgaged_house_adds_to_its_own_item_and_once_to_disability():
    assessment = itemized(
        [
            {"id": 1, "ownership_status": "mortgaged"},
            {"id": 2, "ownership_status": "mortgaged"},
            {"id": 3, "ownership_status": "owned"},
        ],
        [],
    )

    assert moved_by(assessment, HOME, 1) == {"risk_answers": 1, "mortgaged_house": 1}
    assert moved_by(assessment, HOME, 3) == {"risk_answers": 1}
    assert moved_by(assessment, DISABILITY) == {"risk_answers": 1, "mortgaged_house": 1}


def test_empty_lists_make_auto_and_home_ineligible_as_whole_lines():
    assessment = itemized([], [])

    assert dumped(assessment)["auto"] == "ineligible"
    assert dumped(assessment)["home"] == "ineligible"
    assert "renters" not in dumped(assessment)
    assert excluded_by(assessment, AUTO) == ["no_vehicle"]


def test_only_vehicles_given_leaves_the_member_without_a_house():
    assessment = assess(house=..., vehicle=..., vehicles=[{"id": 1, "year": 2000}])

    assert dumped(assessment)["home"] == "ineligible"
    assert dumped(assessment)["auto"] == [{"id": 1, "plan": "regular"}]


def test_item_ids_may_repeat_across_houses_and_vehicles():
    assessment = itemized([{"id": 1, "ownership_status": "owned"}], [{"id": 1, "year": 2000}])

    assert assessment.for_line(HOME, 1).line is HOME
    assert assessment.for_line(AUTO, 1).line is AUTO


# Renters


def test_a_rented_house_gives_renters_in_place_of_home():
    profile = dumped(assess(house={"ownership_status": "rented"}))

    assert "home" not in profile
    assert profile["renters"] == "regular"


def test_renters_takes_the_rules_for_every_line_but_not_the_mortgage():
    assessment = assess(house={"ownership_status": "rented"}, age=20, income=250_000)

    assert moved_by(assessment, RENTERS) == {
        "risk_answers": 1,
        "age_under_30": -2,
        "income_above_200k": -1,
    }
    assert "mortgaged_house" not in moved_by(assessment, DISABILITY)


# Marital statuses


def test_domestic_partnership_scores_as_married_under_its_own_name():
    assessment = assess(marital_status="domestic partnership")

    assert moved_by(assessment, LIFE) == {"risk_answers": 1, "domestic_partnership": 1}
    assert moved_by(assessment, DISABILITY) == {"risk_answers": 1, "domestic_partnership": -1}


@pytest.mark.parametrize("status", ["divorced", "single"])
def test_divorced_and_single_move_no_score(status):
    assessment = assess(marital_status=status)

    assert moved_by(assessment, LIFE) == moved_by(assessment, DISABILITY) == {"risk_answers": 1}


# Every answer false and low income


@pytest.mark.parametrize(("income", "ineligible"), [("24999.99", True), ("25000", False)])
def test_all_false_answers_below_25k_make_every_line_ineligible(income, ineligible):
    assessment = assess(income=income, risk_questions=[0, 0, 0])

    for line in assessment.lines:
        rules = [rule.rule for rule in line.ineligible_because]
        assert ("no_risk_and_low_income" in rules) is ineligible


def test_one_true_answer_keeps_a_low_income_member_eligible():
    assessment = assess(income=10_000, risk_questions=[0, 0, 1])

    assert {line.plan for line in assessment.lines} == {Plan.REGULAR, Plan.INELIGIBLE}
    assert all(
        "no_risk_and_low_income" not in [rule.rule for rule in line.ineligible_because]
        for line in assessment.lines
    )


def test_all_false_answers_below_25k_make_every_item_and_renters_ineligible():
    assessment = itemized(
        [{"id": 1, "ownership_status": "owned"}, {"id": 2, "ownership_status": "rented"}],
        [{"id": 5, "year": 2021}],
        income=0,
        risk_questions=[0, 0, 0],
    )

    assert dumped(assessment) == {
        "auto": [{"id": 5, "plan": "ineligible"}],
        "disability": "ineligible",
        "home": [{"id": 1, "plan": "ineligible"}],
        "renters": [{"id": 2, "plan": "ineligible"}],
        "life": "ineligible",
        "umbrella": "ineligible",
    }
