"""Canaries: a secret, passwords and member PII go through the bff; none reaches logs or Sentry.

Logging is configured as every role configures it (`configure_logging`: JSON lines on
stdout, captured here) and Sentry is started as `run_role` starts it, into a capture
transport. The journey: a failed and a successful sign-in, a sign-up, the member list
searched by name, the member's page, an SMS to them, a bank link whose call to the
gateway fails with an error that quotes the request (a 500), and a sign-in whose
hashing backend fails (a 500 with credentials in its body and PII in its query).
"""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import DummyCookieJar
from pydantic import SecretStr

from bff.app import create_app
from bff.web.limits import Limits
from shared.database import transaction
from shared.identity import passwords
from shared.identity.passwords import hash_password_sync
from shared.observability.logging import configure_logging
from tests.integration.bff.builders import Session, make_member, unique_email
from tests.support.sentry import capturing_sentry


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Root logging as a role sets it up (JSON lines on stdout, DEBUG); stdout kept here."""
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging(service="bff", level="DEBUG")
    try:
        yield stdout
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _canaries() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "service_token": f"canary-service-token-{tag}",
        "bearer": f"canarybearer{tag}",
        "advisor_email": f"canary.advisor.{tag}@example.com",
        "advisor_password": f"Canary-Advisor-{tag}!",
        "wrong_password": f"Canary-Wrong-{tag}!",
        "member_name": f"Philomena Canary{tag}",
        "member_email": f"canary.member.{tag}@example.com",
        "member_phone": "+14155550142",
        "joiner_email": f"canary.joiner.{tag}@example.com",
        "joiner_password": f"Canary-Joiner-{tag}!",
        "joiner_name": f"Bartholomew Canary{tag}",
        "public_token": f"public-sandbox-{uuid.uuid4()}",
        "sms_text": f"Your canary code is {tag}",
    }


class BreakableHasher:
    """The real hashing, whose backend can be made to fail once (a 500 during sign-in)."""

    def __init__(self) -> None:
        self.fail_next = False

    async def hash(self, password: str) -> str:
        return await passwords.hash_password(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("argon2 backend failed")
        return await passwords.verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return passwords.needs_rehash(password_hash)


def _failing_gateway(request: httpx.Request) -> httpx.Response:
    # A client library failing with an error that quotes the request it was sending.
    raise RuntimeError(f"gateway transport failed sending {request.content!r}")


async def test_no_secret_password_or_member_pii_reaches_logs_or_sentry(
    aiohttp_client, settings, pool, json_logs
):
    canary = _canaries()
    app_settings = settings.model_copy(
        update={"internal_service_token": SecretStr(canary["service_token"])}
    )
    advisor_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash)"
            " VALUES (%s, %s, 'Canary Advisor', 'advisor', %s)",
            (advisor_id, canary["advisor_email"], hash_password_sync(canary["advisor_password"])),
        )
    member_id = await make_member(
        pool,
        advisor_id=advisor_id,
        full_name=canary["member_name"],
        email=canary["member_email"],
        phone=canary["member_phone"],
    )
    secret_headers = {
        "Authorization": f"Bearer {canary['bearer']}",
        "X-Forwarded-For": "198.51.100.201",
    }

    # Sentry starts before the app is built and served, as in `run_role`.
    with capturing_sentry(app_settings) as sentry:
        hasher = BreakableHasher()
        client = await aiohttp_client(
            create_app(
                app_settings,
                limits=Limits(client_ip_header="X-Forwarded-For"),
                gateway_transport=httpx.MockTransport(_failing_gateway),
                password_hasher=hasher,
            ),
            cookie_jar=DummyCookieJar(),
        )
        failed = await client.post(
            "/api/v1/auth/login",
            json={"email": canary["advisor_email"], "password": canary["wrong_password"]},
            headers=secret_headers,
        )
        signed_in = await client.post(
            "/api/v1/auth/login",
            json={"email": canary["advisor_email"], "password": canary["advisor_password"]},
            headers=secret_headers,
        )
        body = await signed_in.json()
        session = Session(
            client, signed_in.cookies["origin_session"].value, body["csrf_token"], body["user"]
        )
        joined = await client.post(
            "/api/v1/signup",
            json={
                "email": canary["joiner_email"],
                "password": canary["joiner_password"],
                "full_name": canary["joiner_name"],
                "country": "US",
            },
            headers={**secret_headers, "X-Forwarded-For": "198.51.100.202"},
        )
        listed = await session.get(f"/api/v1/members?q={canary['member_name'].split()[1]}")
        page = await session.get(f"/api/v1/members/{member_id}")
        sms = await session.post(
            f"/api/v1/members/{member_id}/messages", json={"body": canary["sms_text"]}
        )
        broken = await session.post(
            f"/api/v1/members/{member_id}/linked-items",
            json={"public_token": canary["public_token"]},
        )
        hasher.fail_next = True
        broken_sign_in = await client.post(
            f"/api/v1/auth/login?member={canary['member_name']}&phone={canary['member_phone']}",
            json={"email": canary["advisor_email"], "password": canary["advisor_password"]},
            headers=secret_headers,
        )

    assert failed.status == 401
    assert signed_in.status == 200
    assert joined.status in (201, 202)
    assert listed.status == 200
    assert page.status == 200
    assert canary["member_name"] in await page.text()  # the screen itself shows the member
    assert sms.status in (201, 202)
    assert broken.status == 500
    assert broken_sign_in.status == 500

    logs = json_logs.getvalue()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    messages = {line["message"] for line in lines}
    assert {"login failed", "login succeeded", "request", "unhandled error"} <= messages
    assert len(sentry.events()) >= 2, "the 500s were not reported to Sentry"
    reported = sentry.everything()
    assert "RuntimeError" in reported
    assert '"url":"http://127.0.0.1:' in reported  # the aiohttp integration saw the requests

    for where, text in (("logs", logs), ("sentry", reported)):
        for name, value in canary.items():
            assert value not in text, f"{name} found in {where}"
            assert value.lower() not in text.lower(), f"{name} found in {where}"
        assert "4155550142" not in text, f"member phone found in {where}"
        for name_part in (canary["member_name"], canary["joiner_name"]):
            assert name_part.split()[1] not in text, f"a name found in {where}"
    assert unique_email("x") not in logs  # the builder's shape is not special-cased
