"""Multi-factor sign-in: enrollment, the second step, replay, recovery codes, throttling."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pyotp
from aiohttp import DummyCookieJar

from bff.app import create_app
from bff.web.limits import Limits, WindowLimit
from shared.database import transaction
from shared.identity import totp
from tests.integration.bff.builders import (
    PASSWORD,
    Session,
    answer_challenge,
    fresh_code,
    make_member,
    make_user,
    sign_in,
)

ENROLLMENT_REQUIRED = "https://origin.example/problems/mfa-enrollment-required"


def _now_code(secret: str, *, steps_ahead: int = 0) -> str:
    step = totp.time_step(datetime.now(UTC)) + steps_ahead
    return pyotp.TOTP(secret).generate_otp(step)


async def _login(client, email: str, password: str = PASSWORD):
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def _enroll(session: Session) -> tuple[str, list[str]]:
    """Enroll MFA through the API; returns the secret and the recovery codes."""
    started = await session.post("/api/v1/auth/mfa/enrollment")
    assert started.status == 201, await started.text()
    secret = (await started.json())["secret"]
    confirmed = await session.post(
        "/api/v1/auth/mfa/enrollment/confirm", json={"code": _now_code(secret)}
    )
    assert confirmed.status == 200, await confirmed.text()
    return secret, (await confirmed.json())["recovery_codes"]


async def test_an_admin_without_mfa_reaches_no_data_until_enrolled(client, pool):
    admin = await make_user(pool, "admin", mfa=False)
    member = await make_member(pool)
    session = await sign_in(client, admin.email)

    me = await (await session.get("/api/v1/me")).json()
    refused = [
        await session.get("/api/v1/members"),
        await session.get(f"/api/v1/members/{member}"),  # the hot path, too
        await session.get("/api/v1/admin/users"),
    ]

    assert me["requires"] == ["mfa_enrollment"]
    for response in refused:
        assert response.status == 403
        assert response.content_type == "application/problem+json"
        assert (await response.json())["type"] == ENROLLMENT_REQUIRED
    started = await session.post("/api/v1/auth/mfa/enrollment")
    enrollment = await started.json()
    assert started.status == 201
    assert enrollment["otpauth_uri"].startswith("otpauth://totp/Origin:")
    assert f"secret={enrollment['secret']}" in enrollment["otpauth_uri"]
    assert enrollment["qr_svg"].lstrip().startswith("<svg")
    confirmed = await session.post(
        "/api/v1/auth/mfa/enrollment/confirm", json={"code": _now_code(enrollment["secret"])}
    )
    body = await confirmed.json()
    assert confirmed.status == 200
    assert len(body["recovery_codes"]) == 10 and len(set(body["recovery_codes"])) == 10
    assert body["session"]["requires"] == [] and body["session"]["user"]["mfa_enabled"]
    assert (await session.get(f"/api/v1/members/{member}")).status == 200
    assert (await session.get("/api/v1/admin/users")).status == 200
    async with transaction(pool) as cur:
        await cur.execute("SELECT secret_encrypted FROM user_mfa WHERE user_id = %s", (admin.id,))
        (stored,) = await cur.fetchone()
        await cur.execute(
            "SELECT code_hash FROM mfa_recovery_codes WHERE user_id = %s", (admin.id,)
        )
        hashes = [bytes(row[0]) for row in await cur.fetchall()]
    assert enrollment["secret"] not in stored  # encrypted at rest
    assert len(hashes) == 10 and all(code.encode() not in hashes for code in body["recovery_codes"])


async def test_mfa_required_for_everyone_holds_advisors_too(aiohttp_client, settings, pool):
    strict = await aiohttp_client(
        create_app(settings.model_copy(update={"mfa_required": True})),
        cookie_jar=DummyCookieJar(),
    )
    advisor = await make_user(pool, "advisor")
    session = await sign_in(strict, advisor.email)

    refused = await session.get("/api/v1/members")

    assert session.user["mfa_enabled"] is False
    assert refused.status == 403 and (await refused.json())["type"] == ENROLLMENT_REQUIRED
    await _enroll(session)
    assert (await session.get("/api/v1/members")).status == 200


async def test_an_enrolled_user_gets_no_session_before_a_valid_code(client, pool):
    user = await make_user(pool, "advisor", mfa=True)

    login = await _login(client, user.email)
    wrong = await answer_challenge(client, login, "12345x")
    bad_code = await answer_challenge(client, login, "999999")
    right = await answer_challenge(client, login, await fresh_code(user.email))

    assert login.status == 202
    assert (await login.json())["mfa_required"] is True
    assert "origin_session" not in login.cookies
    challenge = login.cookies["origin_mfa_challenge"]
    assert challenge["httponly"] and challenge["path"] == "/api/v1/auth/mfa"
    assert wrong.status == bad_code.status == 422
    assert "origin_session" not in bad_code.cookies
    assert right.status == 200
    token = right.cookies["origin_session"].value
    me = await client.get("/api/v1/me", headers={"Cookie": f"origin_session={token}"})
    assert me.status == 200 and (await me.json())["requires"] == []


async def test_a_totp_code_cannot_be_used_twice(client, pool):
    user = await make_user(pool, "advisor", mfa=True)
    code = await fresh_code(user.email)

    first = await answer_challenge(client, await _login(client, user.email), code)
    replayed = await answer_challenge(client, await _login(client, user.email), code)

    assert first.status == 200
    assert replayed.status == 422
    assert "origin_session" not in replayed.cookies


async def test_a_code_from_far_outside_the_time_window_is_refused(client, pool):
    user = await make_user(pool, "advisor", mfa=True)
    old = _now_code(user.totp_secret or "", steps_ahead=-10)

    response = await answer_challenge(client, await _login(client, user.email), old)

    assert response.status == 422


async def test_a_recovery_code_signs_in_once(client, pool):
    user = await make_user(pool, "advisor")
    _, codes = await _enroll(await sign_in(client, user.email))

    first = await answer_challenge(
        client, await _login(client, user.email), codes[3].lower(), "recovery_code"
    )
    again = await answer_challenge(
        client, await _login(client, user.email), codes[3], "recovery_code"
    )
    other = await answer_challenge(
        client, await _login(client, user.email), codes[4], "recovery_code"
    )

    assert first.status == 200
    assert again.status == 422
    assert other.status == 200
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT event FROM account_events WHERE user_id = %s ORDER BY id", (user.id,)
        )
        events = [row[0] for row in await cur.fetchall()]
    assert events == ["mfa_enabled", "recovery_code_used", "recovery_code_used"]


async def test_concurrent_codes_on_one_challenge_are_counted_before_any_is_checked(client, pool):
    user = await make_user(pool, "advisor", mfa=True)
    login = await _login(client, user.email)

    answers = await asyncio.gather(
        *(answer_challenge(client, login, f"{n:06d}") for n in range(100_000, 100_020))
    )

    statuses = sorted(answer.status for answer in answers)
    assert statuses.count(422) == Limits().mfa_per_challenge
    assert set(statuses) == {401, 422}
    async with transaction(pool) as cur:
        await cur.execute("SELECT attempts FROM mfa_challenges WHERE user_id = %s", (user.id,))
        assert (await cur.fetchone())[0] == Limits().mfa_per_challenge
    # Used up: even the right code no longer opens this challenge.
    assert (await answer_challenge(client, login, await fresh_code(user.email))).status == 401


async def test_wrong_codes_add_up_across_sign_ins_for_the_user(aiohttp_client, settings, pool):
    limits = Limits(mfa_per_user=WindowLimit(3, timedelta(minutes=15)))
    strict = await aiohttp_client(create_app(settings, limits=limits), cookie_jar=DummyCookieJar())
    user = await make_user(pool, "advisor", mfa=True)

    first = await _login(strict, user.email)
    for code in ("111111", "222222"):
        assert (await answer_challenge(strict, first, code)).status == 422
    second = await _login(strict, user.email)
    assert (await answer_challenge(strict, second, "333333")).status == 422
    throttled = await answer_challenge(strict, second, await fresh_code(user.email))

    assert throttled.status == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 15 * 60


async def test_an_expired_challenge_asks_to_sign_in_again(client, pool):
    user = await make_user(pool, "advisor", mfa=True)
    login = await _login(client, user.email)
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE mfa_challenges SET expires_at = now() - interval '1 second' WHERE user_id = %s",
            (user.id,),
        )

    response = await answer_challenge(client, login, await fresh_code(user.email))

    assert response.status == 401
    assert (await response.json())["type"].endswith("/mfa-challenge-expired")


async def test_turning_mfa_on_ends_the_other_password_only_sessions(client, pool):
    user = await make_user(pool, "advisor")
    here = await sign_in(client, user.email)
    elsewhere = await sign_in(client, user.email)

    await _enroll(here)

    assert (await here.get("/api/v1/members")).status == 200
    assert (await elsewhere.get("/api/v1/me")).status == 401


async def test_enrollment_cannot_replace_an_enrolled_authenticator(client, pool):
    session = await sign_in(client, (await make_user(pool, "admin")).email)

    again = await session.post("/api/v1/auth/mfa/enrollment")

    assert again.status == 409


async def test_a_wrong_code_does_not_confirm_enrollment(client, pool):
    session = await sign_in(client, (await make_user(pool, "advisor")).email)
    started = await (await session.post("/api/v1/auth/mfa/enrollment")).json()

    wrong = await session.post("/api/v1/auth/mfa/enrollment/confirm", json={"code": "000000"})
    me = await (await session.get("/api/v1/me")).json()

    assert wrong.status == 422 and started["secret"]
    assert me["user"]["mfa_enabled"] is False


async def test_no_challenge_cookie_is_refused(client):
    response = await client.post(
        "/api/v1/auth/mfa",
        json={"code": "123456"},
        headers={"Cookie": f"origin_mfa_challenge={uuid.uuid4().hex}"},
    )

    assert response.status == 401
