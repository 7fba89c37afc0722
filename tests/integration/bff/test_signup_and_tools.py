"""Sign-up with the eligibility check; the wellness and risk tools; the member risk profile."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from aiohttp import DummyCookieJar

from bff.app import create_app
from bff.limits import Limits, WindowLimit
from shared.database import transaction
from tests.integration.bff.builders import (
    FULL_PROFILE,
    make_member,
    make_user,
    sign_in,
    unique_email,
)


async def test_an_email_on_an_eligibility_list_signs_up_with_employer_access(client, pool):
    email = unique_email("employee")
    employer_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO employers (id, name) VALUES (%s, %s)", (employer_id, f"Emp {employer_id}")
        )
        await cur.execute(
            "INSERT INTO eligibility_records (id, employer_id, email, full_name, country, salary)"
            " VALUES (%s, %s, %s, 'Eli Gible', 'US', 90000)",
            (str(uuid.uuid4()), employer_id, email),
        )

    response = await client.post(
        "/api/v1/signup",
        json={"email": email.upper(), "password": "Saf3-enough!", "country": "us"},
    )

    body = await response.json()
    assert response.status == 201, body
    assert body["access_type"] == "employer"
    assert body["employer"]["id"] == employer_id
    assert body["full_name"] == "Eli Gible" and body["country"] == "US"
    async with transaction(pool) as cur:
        await cur.execute("SELECT salary, password_hash FROM members WHERE id = %s", (body["id"],))
        salary, password_hash = await cur.fetchone()
    assert str(salary) == "90000.00"
    assert password_hash.startswith("$argon2id$")


async def test_anyone_else_signs_up_as_dtc_and_a_second_time_gets_409(client):
    email = unique_email("dtc")
    payload = {"email": email, "password": "Saf3-enough!", "country": "BR", "full_name": "Dee"}

    first = await client.post("/api/v1/signup", json=payload)
    second = await client.post("/api/v1/signup", json={**payload, "email": email.upper()})

    assert first.status == 201
    assert (await first.json())["access_type"] == "dtc"
    assert second.status == 409


async def test_one_address_is_throttled_after_its_sign_ups_and_others_are_not(
    aiohttp_client, settings
):
    limits = Limits(
        signup_per_ip=WindowLimit(2, timedelta(hours=1)), client_ip_header="X-Forwarded-For"
    )
    client = await aiohttp_client(create_app(settings, limits=limits))
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}, 10.0.{uuid.uuid4().int % 250}.1"

    async def sign_up(email: str, forwarded_for: str):
        return await client.post(
            "/api/v1/signup",
            json={"email": email, "password": "Saf3-enough!", "country": "US"},
            headers={"X-Forwarded-For": forwarded_for},
        )

    taken = unique_email("again")
    statuses = [(await sign_up(email, address)).status for email in (taken, taken)]
    throttled = await sign_up(unique_email(), address)
    elsewhere = await sign_up(unique_email(), f"{address}, 203.0.113.9")

    assert statuses == [201, 409]  # a refused attempt counts too
    assert throttled.status == 429
    assert throttled.content_type == "application/problem+json"
    assert 3000 < int(throttled.headers["Retry-After"]) <= 3600
    assert elsewhere.status == 201


async def test_sign_up_applies_the_password_policy(client):
    for password in ("short1!", "P@ssw0rd1", "sunshine2024"):
        response = await client.post(
            "/api/v1/signup",
            json={"email": unique_email(), "password": password, "country": "US"},
        )
        body = await response.json()
        assert response.status == 422, password
        assert body["errors"][0]["field"] == "password"
        assert password not in str(body)


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
