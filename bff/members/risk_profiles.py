"""`POST /api/v1/members/{id}/risk-profile`: score the stored profile and keep the history.

The stored profile is turned into the specification's itemized request (houses and
vehicles with ids). Every computation is a new `risk_profiles` row; the member
screen shows the latest. An incomplete profile answers 422 naming what is missing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bff.members.access import visible_member
from bff.members.models import RiskProfileRecord
from bff.web import audit
from bff.web.api import ApiProblem, Endpoint, add_endpoints, json_model, path_uuid
from bff.web.audit import AuditAction
from bff.web.keys import CLOCK, CURRENT_USER
from shared.database import Cursor, transaction
from shared.domain.risk_assessment import assess_risk
from shared.domain.risk_profile import RiskProfileRequest
from shared.web.keys import POOL

_REQUIRED = ("age", "dependents", "annual_income", "marital_status", "risk_answers")


async def _profile_request(cur: Cursor, member_id: uuid.UUID) -> RiskProfileRequest:
    await cur.execute(
        "SELECT age, dependents, annual_income, marital_status, risk_answers, houses, vehicles"
        " FROM member_profiles WHERE member_id = %s",
        (str(member_id),),
    )
    row = await cur.fetchone()
    values: dict[str, Any] = dict(zip((*_REQUIRED, "houses", "vehicles"), row or (), strict=False))
    missing = [name for name in _REQUIRED if values.get(name) is None]
    if missing:
        raise ApiProblem(
            422,
            "Incomplete profile",
            detail="The member's profile lacks: " + ", ".join(missing),
            missing=missing,
        )
    try:
        return RiskProfileRequest.model_validate(
            {
                "age": values["age"],
                "dependents": values["dependents"],
                "income": values["annual_income"],
                "marital_status": values["marital_status"],
                "risk_questions": values["risk_answers"],
                "houses": values["houses"] or [],
                "vehicles": values["vehicles"] or [],
            }
        )
    except ValidationError as exc:
        fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        raise ApiProblem(
            422,
            "Incomplete profile",
            detail="The member's profile cannot be scored: " + ", ".join(fields),
            missing=fields,
        ) from None


async def compute_risk_profile(request: web.Request) -> web.StreamResponse:
    """Score the member's stored profile now and record it."""
    member_id = path_uuid(request, "member_id")
    user = request[CURRENT_USER]
    today = request.app[CLOCK]().date()
    async with transaction(request.app[POOL]) as cur:
        await visible_member(cur, member_id, user)
        risk_request = await _profile_request(cur, member_id)
        assessment = assess_risk(risk_request, today=today)
        profile_id = uuid.uuid4()
        await cur.execute(
            "INSERT INTO risk_profiles (id, member_id, computed_by, input, result, explanation)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING computed_at",
            (
                str(profile_id),
                str(member_id),
                str(user.id),
                risk_request.model_dump_json(exclude_none=True),
                assessment.profile.model_dump_json(),
                json.dumps([line.model_dump(mode="json") for line in assessment.lines]),
            ),
        )
        (computed_at,) = await cur.fetchone()
        record = RiskProfileRecord(
            id=profile_id,
            computed_at=computed_at,
            profile=assessment.profile,
            lines=assessment.lines,
        )
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.CREATE, resource="risk_profile"
        )
    return json_model(record, status=201)


def setup(app: web.Application) -> None:
    """Add the member risk-profile route."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/risk-profile",
                compute_risk_profile,
                "Compute and store the member's risk profile",
                "members",
                responses={201: RiskProfileRecord},
            )
        ],
    )
