"""Every route x every role x own or other member: who gets in, who gets 401/403/404.

The routes come from the app itself (`app[ENDPOINTS]`), so a new route is walked
without anyone remembering to add it here.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bff.web.api import ENDPOINTS, Access, Endpoint
from shared.database import transaction
from tests.integration.bff.builders import FULL_PROFILE, make_member, make_user, unique_email

TOMORROW = datetime.now(UTC) + timedelta(days=1)

SAMPLE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/login"): {"email": "x@example.com", "password": "nope"},
    ("POST", "/api/v1/auth/mfa"): {"method": "totp", "code": "123456"},
    ("POST", "/api/v1/signup"): {
        "email": "",  # replaced per call
        "password": "Plenty-long-42!",
        "country": "US",
    },
    # A well-formed token no sign-up holds: answered (400), not refused.
    ("POST", "/api/v1/signup/verify"): {"token": "A" * 43, "password": "Plenty-long-42!"},
    ("PATCH", "/api/v1/members/{member_id}"): {"dependents": 1},
    ("POST", "/api/v1/members/{member_id}/notes"): {"body": "Called about the budget."},
    ("POST", "/api/v1/members/{member_id}/messages"): {"body": "Hello from Origin"},
    ("POST", "/api/v1/members/{member_id}/appointments"): {
        "starts_at": TOMORROW.isoformat(),
        "ends_at": (TOMORROW + timedelta(hours=1)).isoformat(),
    },
    ("POST", "/api/v1/members/{member_id}/linked-items"): {"public_token": "public-sandbox-x"},
    ("POST", "/api/v1/tools/wellness-score"): {"annual_income": "1000", "monthly_costs": "10"},
    ("POST", "/api/v1/tools/risk-profile"): {
        "age": 35,
        "dependents": 0,
        "income": 0,
        "marital_status": "single",
        "risk_questions": [0, 1, 0],
    },
    ("POST", "/api/v1/admin/users"): {
        "email": "",
        "full_name": "New Advisor",
        "role": "advisor",
        "password": "Plenty-long-42!",
    },
    ("PATCH", "/api/v1/admin/users/{user_id}"): {"disabled": False},
    ("PUT", "/api/v1/admin/members/{member_id}/advisor"): {"advisor_id": None},
}

# Gateway-backed routes answer 503 here (no gateway runs in this test): still past the guard.
DENIED = {401, 403, 404}


def _body(endpoint: Endpoint) -> dict | None:
    body = SAMPLE_BODIES.get((endpoint.method, endpoint.path))
    if body is not None and "email" in body and body["email"] == "":
        body = {**body, "email": unique_email("matrix")}
    return body if endpoint.method != "GET" else None


async def test_every_route_refuses_strangers_other_advisors_and_non_admins(client, pool, team):
    own_member = await make_member(
        pool, advisor_id=team.advisor.user["id"], profile=dict(FULL_PROFILE)
    )
    other_member = await make_member(pool, advisor_id=team.other_advisor.user["id"])
    spare_user = await make_user(pool)
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, source)"
            " VALUES (gen_random_uuid(), %s, %s, %s, %s, 'console') RETURNING id",
            (own_member, team.advisor.user["id"], TOMORROW, TOMORROW + timedelta(hours=1)),
        )
        appointment_id = str((await cur.fetchone())[0])

    endpoints = sorted(client.app[ENDPOINTS], key=lambda e: e.path == "/api/v1/auth/logout")
    assert len(endpoints) >= 25
    failures = []

    known = {"appointment_id": appointment_id, "user_id": spare_user.id}

    def path_for(endpoint: Endpoint, member_id: str) -> str:
        names = re.findall(r"{(\w+)}", endpoint.path)
        # Ids this test does not arrange (other helpers' routes) get a random uuid.
        values = {name: known.get(name, str(uuid.uuid4())) for name in names}
        return endpoint.path.format(**{**values, "member_id": member_id})

    def arranged(endpoint: Endpoint) -> bool:
        return all(name in (*known, "member_id") for name in re.findall(r"{(\w+)}", endpoint.path))

    def check(label: str, endpoint: Endpoint, status: int, expected: set[int] | None) -> None:
        ok = status not in DENIED if expected is None else status in expected
        if not ok:
            failures.append(f"{endpoint.method} {endpoint.path} [{label}] -> {status}")

    for endpoint in endpoints:
        path = path_for(endpoint, own_member)
        unsafe = endpoint.method not in ("GET", "HEAD")
        if endpoint.access is Access.PUBLIC:
            response = await client.request(endpoint.method, path, json=_body(endpoint))
            check("anonymous on public", endpoint, response.status, {200, 201, 202, 400, 401})
            continue
        anonymous = await client.request(endpoint.method, path, json=_body(endpoint))
        check("anonymous", endpoint, anonymous.status, {401})
        if unsafe:
            no_csrf = await team.admin.request(
                endpoint.method, path, json=_body(endpoint), csrf=False
            )
            check("no csrf", endpoint, no_csrf.status, {403})
        if endpoint.access is Access.ADMIN:
            advisor = await team.advisor.request(endpoint.method, path, json=_body(endpoint))
            check("advisor on admin route", endpoint, advisor.status, {403})
        elif endpoint.member_scoped:
            other = await team.advisor.request(
                endpoint.method, path_for(endpoint, other_member), json=_body(endpoint)
            )
            check("advisor, other's member", endpoint, other.status, {404})
            own = await team.advisor.request(endpoint.method, path, json=_body(endpoint))
            check("advisor, own member", endpoint, own.status, None)
        elif arranged(endpoint):
            advisor = await team.advisor.request(endpoint.method, path, json=_body(endpoint))
            check("advisor", endpoint, advisor.status, None)
        if not arranged(endpoint):
            continue
        # Admins see every member: the other advisor's (the appointment is the own one's).
        admin_member = own_member if "{appointment_id}" in endpoint.path else other_member
        admin = await team.admin.request(
            endpoint.method, path_for(endpoint, admin_member), json=_body(endpoint)
        )
        check("admin", endpoint, admin.status, None)

    assert not failures, "\n".join(failures)


async def test_an_unknown_member_id_and_a_malformed_one_both_answer_404(client, team):
    unknown = await team.admin.get("/api/v1/members/7d0f3c52-7a43-4c2e-9d7e-0d6a1d1f2a11")
    malformed = await team.admin.get("/api/v1/members/not-a-uuid")

    assert unknown.status == malformed.status == 404
    assert (await unknown.json())["detail"] == (await malformed.json())["detail"]
