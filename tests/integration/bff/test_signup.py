"""Sign-up proves the address first (issue 15, finding 1): same 202 for all, member on verify.

The email itself is read from the `email_messages` row the bff queued (the worker
that sends it through SES is exercised in tests/integration/signup/).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient

from bff.app import create_app
from bff.web.limits import Limits, WindowLimit
from shared.database import Pool, transaction
from tests.integration.bff.builders import make_member, password_hash, unique_email

PASSWORD = "Saf3-enough!"
TOKEN = re.compile(r"/verify#token=([A-Za-z0-9_-]{43})")


def an_ip() -> str:
    """A client address of its own, so the per-address sign-up limit never interferes."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


async def sign_up(client: TestClient, email: str, *, ip: str | None = None, **fields: object):
    body = {"email": email, "password": PASSWORD, "country": "US", **fields}
    return await client.post(
        "/api/v1/signup", json=body, headers={"X-Forwarded-For": ip or an_ip()}
    )


async def verify(client: TestClient, token: str, password: str = PASSWORD):
    return await client.post("/api/v1/signup/verify", json={"token": token, "password": password})


async def emails_to(pool: Pool, address: str) -> list[tuple[str, str, str, str]]:
    """(purpose, subject, text body, id) of every email queued to `address`, oldest first."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT purpose, subject, text_body, id::text FROM email_messages"
            " WHERE lower(to_address) = lower(%s) ORDER BY created_at, id",
            (address,),
        )
        return [tuple(row) for row in await cur.fetchall()]


async def link_token(pool: Pool, address: str) -> str:
    """The token of the latest verification link emailed to `address`."""
    verifications = [e for e in await emails_to(pool, address) if e[0] == "signup_verification"]
    match = TOKEN.search(verifications[-1][2])
    assert match, verifications[-1][2]
    return match.group(1)


async def scalar(pool: Pool, sql: str, *params: object) -> object:
    async with transaction(pool) as cur:
        await cur.execute(sql, params)
        return (await cur.fetchone())[0]


async def make_roster_entry(pool: Pool, email: str) -> tuple[str, str]:
    employer_id = str(uuid.uuid4())
    employer_name = f"Acme {employer_id[:8]}"
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO employers (id, name) VALUES (%s, %s)", (employer_id, employer_name)
        )
        await cur.execute(
            "INSERT INTO eligibility_records"
            " (id, employer_id, email, full_name, country, birth_date, salary)"
            " VALUES (%s, %s, %s, 'Eli Gible', 'US', '1985-04-02', 90000)",
            (str(uuid.uuid4()), employer_id, email),
        )
    return employer_id, employer_name


async def test_a_members_email_gets_the_same_answer_as_a_new_one_and_keeps_its_password(
    client, pool
):
    member_email = unique_email("member")
    member_id = await make_member(pool, email=member_email)
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE members SET password_hash = %s WHERE id = %s", (password_hash(), member_id)
        )
    new_email = unique_email("new")

    taken = await sign_up(client, member_email.upper(), full_name="Mallory")
    fresh = await sign_up(client, new_email, full_name="Mallory")

    assert taken.status == fresh.status == 202
    assert taken.content_type == fresh.content_type == "application/json"
    assert await taken.read() == await fresh.read()
    assert (
        await scalar(pool, "SELECT password_hash FROM members WHERE id = %s", member_id)
        == password_hash()
    )
    assert (
        await scalar(pool, "SELECT full_name FROM members WHERE id = %s", member_id)
        == "Marta Member"
    )
    assert (
        await scalar(
            pool,
            "SELECT count(*) FROM pending_signups WHERE lower(email) = lower(%s)",
            member_email,
        )
        == 0
    )
    (exists_email,) = await emails_to(pool, member_email)
    assert exists_email[0] == "signup_account_exists"
    assert "already have an Origin account" in exists_email[1]
    assert "/sign-in" in exists_email[2] and "/verify" not in exists_email[2]
    (verification,) = await emails_to(pool, new_email)
    assert verification[0] == "signup_verification"
    # Both wrote exactly one email.requested event naming their row.
    for _, _, _, message_id in (exists_email, verification):
        assert (
            await scalar(
                pool,
                "SELECT count(*) FROM outbox WHERE event_type = 'email.requested' AND body LIKE %s",
                f"%{message_id}%",
            )
            == 1
        )


async def test_a_roster_email_learns_nothing_of_the_roster_until_the_link_is_used(client, pool):
    email = unique_email("employee")
    employer_id, employer_name = await make_roster_entry(pool, email)

    accepted = await sign_up(client, email.upper(), country="br")

    text = await accepted.text()
    assert accepted.status == 202
    assert "Eli Gible" not in text and employer_name not in text and employer_id not in text
    assert "1985" not in text and "90000" not in text
    assert (
        await scalar(pool, "SELECT count(*) FROM members WHERE lower(email) = lower(%s)", email)
        == 0
    )
    (queued,) = await emails_to(pool, email)
    assert "Eli Gible" not in queued[2] and employer_name not in queued[2]

    verified = await verify(client, await link_token(pool, email))

    body = await verified.json()
    assert verified.status == 201, body
    assert body["access_type"] == "employer"
    assert body["employer"] == {"id": employer_id, "name": employer_name}
    assert body["full_name"] == "Eli Gible" and body["country"] == "US"
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT salary, birth_date, password_hash FROM members WHERE id = %s", (body["id"],)
        )
        salary, birth_date, stored_hash = await cur.fetchone()
    assert str(salary) == "90000.00" and birth_date.isoformat() == "1985-04-02"
    assert stored_hash.startswith("$argon2id$")


async def test_the_password_is_hashed_at_sign_up_and_appears_nowhere_in_clear(client, pool):
    email = unique_email("secret")
    password = "Unusual-Passphrase-77!"

    await sign_up(client, email, password=password)

    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT password_hash, token_hash FROM pending_signups WHERE email = %s", (email,)
        )
        stored_hash, token_hash = await cur.fetchone()
        await cur.execute(
            "SELECT o.body FROM outbox o JOIN email_messages m"
            " ON o.body LIKE '%%' || m.id::text || '%%' WHERE m.to_address = %s",
            (email,),
        )
        (event_body,) = await cur.fetchone()
    (queued,) = await emails_to(pool, email)
    token = await link_token(pool, email)
    assert stored_hash.startswith("$argon2id$")
    assert password not in stored_hash + event_body + queued[1] + queued[2]
    assert email not in event_body and token not in event_body  # the event names the row only
    assert bytes(token_hash) != token.encode() and len(bytes(token_hash)) == 32


async def test_a_link_creates_the_member_once_and_is_then_refused_like_an_unknown_one(client, pool):
    email = unique_email("once")
    await sign_up(client, email, full_name="Dee Tecee")
    token = await link_token(pool, email)

    first = await verify(client, token)
    again = await verify(client, token)
    unknown = await verify(client, "A" * 43)

    body = await first.json()
    assert first.status == 201, body
    assert body["access_type"] == "dtc" and body["employer"] is None
    assert body["full_name"] == "Dee Tecee"
    assert again.status == unknown.status == 400
    assert again.content_type == "application/problem+json"
    assert await again.json() == await unknown.json()
    assert (
        await scalar(pool, "SELECT count(*) FROM members WHERE lower(email) = lower(%s)", email)
        == 1
    )


async def test_an_expired_link_is_refused_like_an_unknown_one(aiohttp_client, settings, pool):
    now = [datetime(2026, 1, 5, 9, tzinfo=UTC)]
    client = await aiohttp_client(
        create_app(
            settings, limits=Limits(client_ip_header="X-Forwarded-For"), clock=lambda: now[0]
        ),
        cookie_jar=DummyCookieJar(),
    )
    email = unique_email("late")
    await sign_up(client, email)
    token = await link_token(pool, email)

    now[0] += timedelta(hours=24, seconds=1)
    late = await verify(client, token)
    unknown = await verify(client, "B" * 43)

    assert late.status == 400
    assert await late.json() == await unknown.json()
    assert (
        await scalar(pool, "SELECT count(*) FROM members WHERE lower(email) = lower(%s)", email)
        == 0
    )


async def test_the_link_alone_is_not_enough_and_allows_only_a_few_password_guesses(client, pool):
    email = unique_email("guess")
    await sign_up(client, email)
    token = await link_token(pool, email)

    wrong = [await verify(client, token, "Not-the-password-1!") for _ in range(5)]
    right_too_late = await verify(client, token)

    assert [r.status for r in wrong] == [422] * 5
    assert (await wrong[0].json())["errors"][0]["field"] == "password"
    assert right_too_late.status == 400
    assert (
        await scalar(pool, "SELECT count(*) FROM members WHERE lower(email) = lower(%s)", email)
        == 0
    )


async def test_a_second_link_for_an_address_that_became_a_member_says_sign_in(client, pool):
    email = unique_email("twice")
    await sign_up(client, email)
    first_token = await link_token(pool, email)
    await sign_up(client, email)
    second_token = await link_token(pool, email)

    first = await verify(client, second_token)
    second = await verify(client, first_token)

    assert first.status == 201
    assert second.status == 409
    assert "Sign in" in (await second.json())["detail"]


async def test_bad_input_is_a_problem_and_queues_no_email(client, pool):
    email = unique_email("bad")
    responses = [
        await sign_up(client, "not-an-email"),
        await sign_up(client, email, country="USA"),
        await client.post(
            "/api/v1/signup", data=b"{", headers={"Content-Type": "application/json"}
        ),
        await verify(client, "short"),
        await client.post("/api/v1/signup/verify?token=" + "C" * 43, json={"password": "x"}),
    ]

    assert [r.status for r in responses] == [422, 422, 400, 422, 422]
    assert all(r.content_type == "application/problem+json" for r in responses)
    assert await emails_to(pool, email) == []


async def test_one_address_is_throttled_after_its_sign_ups_and_others_are_not(
    aiohttp_client, settings
):
    limits = Limits(
        signup_per_ip=WindowLimit(2, timedelta(hours=1)), client_ip_header="X-Forwarded-For"
    )
    client = await aiohttp_client(create_app(settings, limits=limits))
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}, 10.0.{uuid.uuid4().int % 250}.1"

    taken = unique_email("again")
    statuses = [(await sign_up(client, email, ip=address)).status for email in (taken, taken)]
    throttled = await sign_up(client, unique_email(), ip=address)
    elsewhere = await sign_up(client, unique_email(), ip=f"{address}, 203.0.113.9")

    assert statuses == [202, 202]
    assert throttled.status == 429
    assert throttled.content_type == "application/problem+json"
    assert 3000 < int(throttled.headers["Retry-After"]) <= 3600
    assert elsewhere.status == 202


async def test_sign_up_applies_the_password_policy(client):
    # ASVS 6.2: length and the common-password list, no composition rules.
    for password in ("short1!", "P@ssw0rd1", "matrix123", "Sunshine2024!"):
        response = await sign_up(client, unique_email(), password=password)
        body = await response.json()
        assert response.status == 422, password
        assert body["errors"][0]["field"] == "password"
        assert password not in str(body)
    accepted = await sign_up(client, unique_email(), password="nodigitsorsymbols")
    assert accepted.status == 202
