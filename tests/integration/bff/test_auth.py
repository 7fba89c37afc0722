"""Sign-in, sessions, CSRF and login throttling."""

from __future__ import annotations

import uuid

from shared.database import transaction
from tests.integration.bff.builders import PASSWORD, make_user, sign_in


async def test_signing_in_sets_an_httponly_lax_cookie_and_returns_the_user(client, pool):
    user = await make_user(pool, "advisor", name="Ana Advisor")

    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )

    body = await response.json()
    assert response.status == 200
    assert body["user"] == {
        "id": user.id,
        "email": user.email,
        "full_name": "Ana Advisor",
        "role": "advisor",
        "mfa_enabled": False,
    }
    assert body["requires"] == []
    assert len(body["csrf_token"]) >= 32
    cookie = response.cookies["origin_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert len(cookie.value) >= 32
    async with transaction(pool) as cur:
        await cur.execute("SELECT count(*) FROM user_sessions WHERE user_id = %s", (user.id,))
        assert (await cur.fetchone())[0] == 1


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(client, pool):
    user = await make_user(pool)

    wrong = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "Wrong-pass-1!"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )

    assert wrong.status == unknown.status == 401
    assert wrong.content_type == "application/problem+json"
    assert (await wrong.json())["detail"] == (await unknown.json())["detail"]
    assert "origin_session" not in wrong.cookies


async def test_me_answers_the_signed_in_user_and_401_without_a_session(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)

    me = await session.get("/api/v1/me")
    anonymous = await client.get("/api/v1/me")

    assert me.status == 200
    assert (await me.json())["csrf_token"] == session.csrf_token
    assert anonymous.status == 401
    assert anonymous.content_type == "application/problem+json"


async def test_an_unsafe_request_without_the_csrf_header_is_refused_with_403(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)

    missing = await session.request("POST", "/api/v1/auth/logout", csrf=False)
    wrong = await client.post(
        "/api/v1/auth/logout",
        headers={"Cookie": f"origin_session={session.token}", "X-CSRF-Token": "nope"},
    )

    assert missing.status == wrong.status == 403
    assert (await session.get("/api/v1/me")).status == 200


async def test_logging_out_revokes_the_session_and_clears_the_cookie(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)

    response = await session.post("/api/v1/auth/logout")

    assert response.status == 204
    assert response.cookies["origin_session"].value == ""
    assert (await session.get("/api/v1/me")).status == 401


async def test_signing_in_again_rotates_the_session_token(client, pool):
    user = await make_user(pool)
    first = await sign_in(client, user.email)

    response = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"Cookie": f"origin_session={first.token}"},
    )

    assert response.status == 200
    assert response.cookies["origin_session"].value != first.token
    assert (await first.get("/api/v1/me")).status == 401


async def test_an_idle_session_expires(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE user_sessions SET last_seen_at = now() - interval '31 minutes'"
            " WHERE user_id = %s",
            (session.user["id"],),
        )

    assert (await session.get("/api/v1/me")).status == 401


async def test_a_session_ends_after_the_absolute_timeout_even_when_active(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE user_sessions SET created_at = now() - interval '12 hours 1 minute'"
            " WHERE user_id = %s",
            (session.user["id"],),
        )

    assert (await session.get("/api/v1/me")).status == 401


async def test_disabling_a_user_revokes_their_sessions_and_stops_sign_in(client, pool, team):
    victim = await make_user(pool)
    session = await sign_in(client, victim.email)

    response = await team.admin.patch(f"/api/v1/admin/users/{victim.id}", json={"disabled": True})

    assert response.status == 200
    assert (await response.json())["disabled"] is True
    assert (await session.get("/api/v1/me")).status == 401
    again = await client.post(
        "/api/v1/auth/login", json={"email": victim.email, "password": PASSWORD}
    )
    assert again.status == 401


async def test_repeated_failures_throttle_the_account_and_ip_pair_with_retry_after(client, pool):
    user = await make_user(pool)
    ip = {"X-Forwarded-For": f"10.1.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    for _ in range(5):
        failed = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "Wrong-1!"}, headers=ip
        )
        assert failed.status == 401

    throttled = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}, headers=ip
    )
    elsewhere = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.77"},
    )

    assert throttled.status == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 15 * 60
    assert throttled.content_type == "application/problem+json"
    # The real user on another network still gets in: the pair is throttled, not the account.
    assert elsewhere.status == 200


async def test_throttling_expires_with_its_window(client, pool):
    user = await make_user(pool)
    ip = {"X-Forwarded-For": "198.51.100.23"}
    for _ in range(5):
        await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "Wrong-1!"}, headers=ip
        )
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE login_failures SET occurred_at = occurred_at - interval '16 minutes'"
            " WHERE client_ip = %s",
            ("198.51.100.23",),
        )

    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}, headers=ip
    )

    assert response.status == 200


async def test_a_malformed_login_body_answers_422_naming_the_field(client):
    response = await client.post("/api/v1/auth/login", json={"email": "a@b.c"})

    body = await response.json()
    assert response.status == 422
    assert "password" in body["detail"]
