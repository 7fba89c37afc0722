"""Requests the risk profile refuses, each naming the field at fault."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from shared.domain.risk_profile import MAX_ITEMS, RiskProfileRequest
from tests.unit.domain.builders import risk_payload


def refused_fields(**overrides: Any) -> list[str]:
    """Validate as JSON (as the bff receives it) and return the dotted fields refused."""
    with pytest.raises(ValidationError) as caught:
        RiskProfileRequest.model_validate_json(json.dumps(risk_payload(**overrides)))
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"age": -1}, "age"),
        ({"age": "35"}, "age"),
        ({"age": 35.5}, "age"),
        ({"age": True}, "age"),
        ({"age": 151}, "age"),
        ({"dependents": -1}, "dependents"),
        ({"income": -1}, "income"),
        ({"income": True}, "income"),
        ({"income": "12.345"}, "income"),
        ({"income": "NaN"}, "income"),
        ({"income": "1e20"}, "income"),
        ({"marital_status": "widowed"}, "marital_status"),
        ({"marital_status": "domestic_partnership"}, "marital_status"),
        ({"marital_status": "Married"}, "marital_status"),
        ({"risk_questions": [0, 1]}, "risk_questions.2"),
        ({"risk_questions": [0, 1, 0, 1]}, "risk_questions"),
        ({"risk_questions": [0, 2, 0]}, "risk_questions.1"),
        ({"risk_questions": [0, "1", 0]}, "risk_questions.1"),
        ({"risk_questions": [0, 1.0, 0]}, "risk_questions.1"),
        ({"risk_questions": None}, "risk_questions"),
        ({"house": {"ownership_status": "leased"}}, "house.ownership_status"),
        ({"vehicle": {"year": 0}}, "vehicle.year"),
        ({"vehicle": {"year": "2018"}}, "vehicle.year"),
        ({"vehicle": {"year": 2018, "make": "x"}}, "vehicle.make"),
        ({"hous": {"ownership_status": "owned"}}, "hous"),
        ({"age": ...}, "age"),
        ({"income": ...}, "income"),
        ({"house": ..., "houses": [{"ownership_status": "owned"}]}, "houses.0.id"),
        ({"vehicle": ..., "vehicles": [{"id": -1, "year": 2000}]}, "vehicles.0.id"),
    ],
)
def test_a_bad_field_is_refused_by_name(overrides, field):
    assert field in refused_fields(**overrides)


def test_the_two_request_forms_do_not_mix():
    with pytest.raises(ValidationError, match="not both forms"):
        RiskProfileRequest.model_validate(risk_payload(houses=[]))


def test_repeated_house_ids_are_refused():
    houses = [{"id": 1, "ownership_status": "owned"}, {"id": 1, "ownership_status": "rented"}]

    with pytest.raises(ValidationError, match=r"houses ids must be unique; repeated: \[1\]"):
        RiskProfileRequest.model_validate(risk_payload(house=..., vehicle=..., houses=houses))


def test_repeated_vehicle_ids_are_refused():
    vehicles = [{"id": 2, "year": 2000}, {"id": 2, "year": 2001}]

    with pytest.raises(ValidationError, match=r"vehicles ids must be unique; repeated: \[2\]"):
        RiskProfileRequest.model_validate(risk_payload(house=..., vehicle=..., vehicles=vehicles))


def test_too_many_vehicles_are_refused():
    vehicles = [{"id": n, "year": 2000} for n in range(MAX_ITEMS + 1)]

    assert refused_fields(house=..., vehicle=..., vehicles=vehicles) == ["vehicles"]


def test_risk_answers_may_be_booleans_or_zeros_and_ones():
    request = RiskProfileRequest.model_validate(risk_payload(risk_questions=[True, 0, 1]))

    assert request.risk_questions == (True, False, True)


def test_house_and_vehicle_may_be_left_out_or_null():
    request = RiskProfileRequest.model_validate(risk_payload(house=None, vehicle=...))

    assert request.house is None
    assert request.vehicle is None
    assert not request.is_itemized
