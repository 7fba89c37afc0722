"""The wellness and risk tools; the member risk profile (sign-up: test_signup.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import DummyCookieJar

from bff.app import create_app
from shared.database import transaction
from tests.integration.bff.builders import (
    FULL_PROFILE,
    make_member,
    make_user,
    sign_in,
)


async def test_the_wellness_tool_scores_and_refuses_non_positive_numbers(client, team):
    ok = await team.advisor.post(
        "/api/v1/tools/wellness-score", json={"annual_income": "100000", "monthly_costs": "1000"}
    )
    zero = await team.advisor.post(
        "/api/v1/tools/wellness-score", json={"annual_income": 0, "monthly_costs": 1000}
    )

    assert ok.status == 200
    assert await ok.json() == {
        "score": "HEALTHY",
        "net_income": "92000.00",
        "annual_costs": "12000.00",
        "cost_ratio": "0.1304",
    }
    assert zero.status == 422
    assert (await zero.json())["errors"][0]["field"] == "annual_income"


async def test_the_risk_tool_answers_the_specifications_example(client, team):
    response = await team.advisor.post(
        "/api/v1/tools/risk-profile",
        json={
            "age": 35,
            "dependents": 2,
            "house": {"ownership_status": "owned"},
            "income": 0,
            "marital_status": "married",
            "risk_questions": [0, 1, 0],
            "vehicle": {"year": 2018},
        },
    )

    body = await response.json()
    assert response.status == 200
    assert body["disability"] == "ineligible"
    assert set(body) >= {"auto", "disability", "home", "life", "umbrella"}


async def test_computing_a_members_risk_profile_keeps_the_history(aiohttp_client, settings, pool):
    client = await aiohttp_client(
        create_app(settings, clock=lambda: datetime(2024, 6, 1, 12, tzinfo=UTC)),
        cookie_jar=DummyCookieJar(),
    )
    advisor = await make_user(pool)
    session = await sign_in(client, advisor.email)
    member_id = await make_member(pool, advisor_id=advisor.id, profile=dict(FULL_PROFILE))

    first = await session.post(f"/api/v1/members/{member_id}/risk-profile")
    await session.patch(f"/api/v1/members/{member_id}", json={"dependents": 0})
    second = await session.post(f"/api/v1/members/{member_id}/risk-profile")
    screen = await (await session.get(f"/api/v1/members/{member_id}")).json()

    first_body, second_body = await first.json(), await second.json()
    assert first.status == second.status == 201, first_body
    assert first_body["profile"] == {
        "auto": [{"id": 1, "plan": "regular"}],
        "disability": "regular",
        "home": [{"id": 1, "plan": "regular"}],
        "life": "regular",
        "umbrella": "ineligible",
    }
    assert any(line["reasons"] for line in first_body["lines"])
    assert screen["risk_profile"]["id"] == second_body["id"]
    async with transaction(pool) as cur:
        await cur.execute("SELECT count(*) FROM risk_profiles WHERE member_id = %s", (member_id,))
        assert (await cur.fetchone())[0] == 2


async def test_an_incomplete_profile_cannot_be_scored_and_says_what_is_missing(client, pool, team):
    member_id = await make_member(
        pool, advisor_id=team.advisor.user["id"], profile={"age": 40, "dependents": 0}
    )

    response = await team.advisor.post(f"/api/v1/members/{member_id}/risk-profile")

    body = await response.json()
    assert response.status == 422
    assert set(body["missing"]) == {"annual_income", "marital_status", "risk_answers"}
