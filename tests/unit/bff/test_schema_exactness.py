"""The bff's published request schemas and its code agree on the cases that once differed.

Each case is judged twice: by JSON Schema against the committed `contracts/openapi/bff.yaml`
(what a generated client believes) and by the pydantic model the route validates with.
"""

from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from bff.admin.routes import UserPatch
from bff.members.models import MemberPatch
from bff.messages.routes import MessageIn
from bff.signup.routes import SignupIn
from contracts.openapi_bff import BFF_OPENAPI
from shared.domain.risk_profile import RiskProfileRequest
from shared.domain.wellness import WellnessInput
from shared.identity.password_policy import MAX_LENGTH, MIN_LENGTH

SPEC: dict[str, Any] = yaml.safe_load(BFF_OPENAPI.read_text())
PROFILE = {"age": 30, "dependents": 0, "marital_status": "single", "risk_questions": [0, 1, 0]}


def _schema_accepts(name: str, value: object) -> bool:
    schema = {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    return Draft202012Validator(schema).is_valid(value)


def _code_accepts(model: type[BaseModel], value: object) -> bool:
    try:
        model.model_validate(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("name", "model", "value", "accepted"),
    [
        # Money: a whole number or a plain decimal string, nothing else.
        ("WellnessInput", WellnessInput, {"annual_income": "", "monthly_costs": 1}, False),
        ("WellnessInput", WellnessInput, {"annual_income": "0.00", "monthly_costs": 1}, False),
        ("WellnessInput", WellnessInput, {"annual_income": "1e3", "monthly_costs": 1}, False),
        ("WellnessInput", WellnessInput, {"annual_income": "1.234", "monthly_costs": 1}, False),
        ("WellnessInput", WellnessInput, {"annual_income": 1.5, "monthly_costs": 1}, False),
        ("WellnessInput", WellnessInput, {"annual_income": "85000.5", "monthly_costs": 2}, True),
        ("WellnessInput", WellnessInput, {"annual_income": 85000, "monthly_costs": "0.01"}, True),
        ("RiskProfileRequest", RiskProfileRequest, {**PROFILE, "income": ""}, False),
        ("RiskProfileRequest", RiskProfileRequest, {**PROFILE, "income": "-1"}, False),
        ("RiskProfileRequest", RiskProfileRequest, {**PROFILE, "income": "0"}, True),
        ("MemberPatch", MemberPatch, {"monthly_costs": " 12"}, False),
        # Booleans and counts are JSON booleans and integers, not 0/1 or false.
        ("MemberPatch", MemberPatch, {"sms_opt_in": None}, False),
        ("MemberPatch", MemberPatch, {"sms_opt_in": 0}, False),
        ("MemberPatch", MemberPatch, {"dependents": False}, False),
        ("MemberPatch", MemberPatch, {"sms_opt_in": True, "dependents": 2}, True),
        ("UserPatch", UserPatch, {"disabled": 0}, False),
        ("UserPatch", UserPatch, {"disabled": True}, True),
        # A message: exactly one of body or template, params only with a template.
        ("MessageIn", MessageIn, {}, False),
        ("MessageIn", MessageIn, {"body": "hi", "template": "reminder"}, False),
        ("MessageIn", MessageIn, {"body": "hi", "params": {"a": "b"}}, False),
        ("MessageIn", MessageIn, {"body": "   "}, False),
        ("MessageIn", MessageIn, {"body": None, "template": "reminder"}, False),
        ("MessageIn", MessageIn, {"body": "hi"}, True),
        ("MessageIn", MessageIn, {"template": "reminder", "params": {"a": "b"}}, True),
    ],
)
def test_the_schema_and_the_code_agree(name, model, value, accepted):
    assert (_schema_accepts(name, value), _code_accepts(model, value)) == (accepted, accepted)


@pytest.mark.parametrize(
    ("email", "accepted"),
    [
        ("ana@example.com", True),
        ("ana\x85@example.com", False),  # NEL: `\s` to pydantic's engine, not to ECMA-262
        ("ana\x1c@example.com", False),  # a control: `\s` to Python, not to ECMA-262 or Rust
        ("ana @example.com", False),
        ("ana@example", False),
    ],
)
def test_signup_email_is_judged_alike_by_the_schema_and_the_code(email, accepted):
    value = {"email": email, "password": "correct horse battery staple", "country": "US"}

    assert (_schema_accepts("SignupIn", value), _code_accepts(SignupIn, value)) == (
        accepted,
        accepted,
    )


def test_the_schema_publishes_the_password_policy_lengths():
    password = SPEC["components"]["schemas"]["SignupIn"]["properties"]["password"]

    assert (password["minLength"], password["maxLength"]) == (MIN_LENGTH, MAX_LENGTH)


def test_free_text_in_the_schema_refuses_nul():
    body = {"body": "a\x00b"}

    assert not _schema_accepts("NoteIn", body)
    assert _schema_accepts("NoteIn", {"body": "a b"})
