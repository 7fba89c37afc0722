"""Edge hardening of the bff: nested JSON, media types, cross-site public posts, the cookie."""

from __future__ import annotations

import json

import pytest
from aiohttp import DummyCookieJar

from bff.app import create_app
from bff.web.limits import Limits
from shared.settings import AppEnv
from tests.integration.bff.builders import PASSWORD, make_user, sign_in, unique_email

PUBLIC_POSTS = ["/api/v1/auth/login", "/api/v1/signup"]


def _signup_body() -> dict[str, str]:
    return {"email": unique_email("joiner"), "password": "Tartan-Badger-42", "country": "US"}


async def test_a_body_nested_two_hundred_thousand_deep_answers_400(client, pool):
    session = await sign_in(client, (await make_user(pool)).email)

    anonymous = await client.post(
        "/api/v1/auth/login", data=b"[" * 200_000, headers={"Content-Type": "application/json"}
    )
    signed_in = await client.post(
        "/api/v1/tools/risk-profile",
        data=b"[" * 200_000,
        headers={**session.headers(), "Content-Type": "application/json"},
    )

    for response in (anonymous, signed_in):
        assert response.status == 400
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("path", PUBLIC_POSTS)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_a_json_body_sent_as_a_form_type_answers_415(client, pool, path, content_type):
    user = await make_user(pool)
    body = {"email": user.email, "password": PASSWORD} if "login" in path else _signup_body()

    response = await client.post(
        path, data=json.dumps(body).encode(), headers={"Content-Type": content_type}
    )

    assert response.status == 415
    assert response.content_type == "application/problem+json"
    assert "origin_session" not in response.cookies


async def test_a_json_body_with_a_charset_is_accepted(client, pool):
    user = await make_user(pool)

    response = await client.post(
        "/api/v1/auth/login",
        data=json.dumps({"email": user.email, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status == 200


@pytest.mark.parametrize("path", PUBLIC_POSTS)
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-origin"},
    ],
)
async def test_a_cross_site_public_post_is_refused_with_403(client, pool, path, headers):
    user = await make_user(pool)
    body = {"email": user.email, "password": PASSWORD} if "login" in path else _signup_body()

    response = await client.post(path, json=body, headers=headers)

    assert response.status == 403
    assert response.content_type == "application/problem+json"
    assert "origin_session" not in response.cookies
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT count(*) FROM user_sessions WHERE user_id = %s", (user.id,))
        assert (await cur.fetchone())[0] == 0


async def test_a_same_origin_sign_in_from_the_console_is_accepted(client, pool):
    user = await make_user(pool)
    origin = f"http://{client.server.host}:{client.server.port}"

    response = await client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"},
    )

    assert response.status == 200


async def test_outside_local_and_test_the_session_cookie_is_a_host_cookie(
    aiohttp_client, settings, pool
):
    staging = settings.model_copy(update={"app_env": AppEnv.STAGING})
    client = await aiohttp_client(
        create_app(staging, limits=Limits(client_ip_header="X-Forwarded-For")),
        cookie_jar=DummyCookieJar(),
    )
    user = await make_user(pool)

    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )

    assert response.status == 200
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-origin_session=")
    attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "Path=/;" in set_cookie or set_cookie.endswith("Path=/")
    token = response.cookies["__Host-origin_session"].value
    me = await client.get("/api/v1/me", headers={"Cookie": f"__Host-origin_session={token}"})
    plain = await client.get("/api/v1/me", headers={"Cookie": f"origin_session={token}"})
    assert me.status == 200
    assert plain.status == 401
