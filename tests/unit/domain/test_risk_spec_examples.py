"""The worked examples of Origin's specification and its on-site extensions, reproduced.

The base README predates umbrella, and several on-site examples leave it out of their
output; we always return it, so each test compares the spec's lines and then umbrella.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.domain.risk_assessment import assess_risk
from shared.domain.risk_profile import RiskProfileRequest
from tests.unit.domain.builders import TODAY

BASE_EXAMPLE = """
{
  "age": 35,
  "dependents": 2,
  "house": {"ownership_status": "owned"},
  "income": 0,
  "marital_status": "married",
  "risk_questions": [0, 1, 0],
  "vehicle": {"year": 2018}
}
"""


def profile_of(request_json: str) -> dict[str, Any]:
    request = RiskProfileRequest.model_validate_json(request_json)
    profile: dict[str, Any] = assess_risk(request, today=TODAY).profile.model_dump(mode="json")
    return profile


def with_payload(**changes: Any) -> str:
    payload = json.loads(BASE_EXAMPLE)
    payload.update(changes)
    return json.dumps(payload)


def test_the_base_example_gives_the_specifications_output():
    profile = profile_of(BASE_EXAMPLE)

    assert profile.pop("umbrella") == "economic"
    assert profile == {
        "auto": "regular",
        "disability": "ineligible",
        "home": "economic",
        "life": "regular",
    }


def test_the_umbrella_example_gives_the_specifications_output():
    assert profile_of(BASE_EXAMPLE) == {
        "auto": "regular",
        "disability": "ineligible",
        "home": "economic",
        "life": "regular",
        "umbrella": "economic",
    }


def test_the_domestic_partnership_example_gives_the_specifications_output():
    profile = profile_of(with_payload(marital_status="domestic partnership"))

    assert profile.pop("umbrella") == "economic"
    assert profile == {
        "auto": "regular",
        "disability": "ineligible",
        "home": "economic",
        "life": "regular",
    }


def test_the_all_false_answers_and_low_income_example_gives_the_specifications_output():
    profile = profile_of(with_payload(income=20000, risk_questions=[0, 0, 0]))

    assert profile.pop("umbrella") == "ineligible"
    assert profile == {
        "auto": "ineligible",
        "disability": "ineligible",
        "home": "ineligible",
        "life": "ineligible",
    }


def test_the_several_houses_and_vehicles_example_gives_the_specifications_output():
    request_json = """
    {
      "age": 35,
      "dependents": 2,
      "houses": [
        {"id": 1, "ownership_status": "owned"}
      ],
      "income": 0,
      "marital_status": "married",
      "risk_questions": [0, 1, 0],
      "vehicles": [
        {"id": 1, "year": 2019},
        {"id": 2, "year": 2010},
        {"id": 3, "year": 2012}
      ]
    }
    """

    profile = profile_of(request_json)

    assert profile.pop("umbrella") == "economic"
    assert profile == {
        "auto": [
            {"id": 1, "plan": "regular"},
            {"id": 2, "plan": "economic"},
            {"id": 3, "plan": "economic"},
        ],
        "disability": "ineligible",
        "home": [{"id": 1, "plan": "regular"}],
        "life": "regular",
    }


def test_the_rented_house_example_gives_renters_in_place_of_home():
    profile = profile_of(with_payload(house={"ownership_status": "rented"}))

    assert profile.pop("umbrella") == "economic"
    assert profile == {
        "auto": "regular",
        "disability": "ineligible",
        "renters": "economic",
        "life": "regular",
    }


@pytest.mark.parametrize(
    "request_json",
    [
        BASE_EXAMPLE,
        with_payload(marital_status="domestic partnership"),
        with_payload(income=20000, risk_questions=[0, 0, 0]),
        with_payload(house={"ownership_status": "rented"}),
        with_payload(age=25, income=250000, house={"ownership_status": "mortgaged"}),
    ],
)
def test_every_score_is_the_sum_of_the_points_of_its_reasons(request_json):
    request = RiskProfileRequest.model_validate_json(request_json)

    for line in assess_risk(request, today=TODAY).lines:
        assert line.score == sum(reason.points for reason in line.reasons)
