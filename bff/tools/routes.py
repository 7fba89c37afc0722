"""Calculators for advisors: the wellness score and the insurance risk profile.

Both only call the pure rules in `shared/domain`; nothing is stored.
"""

from __future__ import annotations

from aiohttp import web

from bff.web.api import Endpoint, add_endpoints, json_model, read_body
from bff.web.keys import CLOCK
from shared.domain.risk_assessment import assess_risk
from shared.domain.risk_profile import RiskProfile, RiskProfileRequest
from shared.domain.wellness import WellnessAssessment, WellnessInput, assess_wellness


async def wellness_score(request: web.Request) -> web.StreamResponse:
    """Score annual income against monthly costs."""
    wellness_input = await read_body(request, WellnessInput)
    return json_model(assess_wellness(wellness_input))


async def risk_profile(request: web.Request) -> web.StreamResponse:
    """The specification's risk profile for the specification's request."""
    risk_request = await read_body(request, RiskProfileRequest)
    assessment = assess_risk(risk_request, today=request.app[CLOCK]().date())
    return json_model(assessment.profile)


def setup(app: web.Application) -> None:
    """Add the tool routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/tools/wellness-score",
                wellness_score,
                "Financial wellness score",
                "tools",
                body=WellnessInput,
                responses={200: WellnessAssessment},
            ),
            Endpoint(
                "POST",
                "/api/v1/tools/risk-profile",
                risk_profile,
                "Insurance risk profile (Origin's specification)",
                "tools",
                body=RiskProfileRequest,
                responses={200: RiskProfile},
            ),
        ],
    )
