"""Small builders for risk-profile requests: a neutral member, changed one fact at a time."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain.risk_assessment import assess_risk
from shared.domain.risk_profile import InsuranceLine, RiskAssessment, RiskProfileRequest

# The spec's examples date from when a 2018 vehicle was "in the last 5 years" and a 2012 one
# was not; any year from 2019 to 2023 reproduces them.
TODAY = date(2022, 6, 15)


def risk_payload(**overrides: Any) -> dict[str, Any]:
    """A member whose every main line scores 1 (regular): 50, single, no dependents, 100k."""
    payload: dict[str, Any] = {
        "age": 50,
        "dependents": 0,
        "house": {"ownership_status": "owned"},
        "income": 100_000,
        "marital_status": "single",
        "risk_questions": [0, 1, 0],
        "vehicle": {"year": 2000},
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not ...}


def assess(**overrides: Any) -> RiskAssessment:
    """Assess the neutral member with some facts changed (pass `...` to drop a field)."""
    return assess_risk(RiskProfileRequest.model_validate(risk_payload(**overrides)), today=TODAY)


def moved_by(
    assessment: RiskAssessment, line: InsuranceLine, item_id: int | None = None
) -> dict[str, int]:
    """The rules that moved one line's score, with their points."""
    return {reason.rule: reason.points for reason in assessment.for_line(line, item_id).reasons}


def excluded_by(
    assessment: RiskAssessment, line: InsuranceLine, item_id: int | None = None
) -> list[str]:
    """The rules that made one line ineligible."""
    return [rule.rule for rule in assessment.for_line(line, item_id).ineligible_because]
