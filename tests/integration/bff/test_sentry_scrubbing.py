"""What reaches Sentry when sign-in or sign-up fails with a 500: no password, email, name, token.

Sentry is started exactly as `run_role` starts it, with a capture transport in place of
the HTTP one; the password hasher is replaced by one that breaks, which turns the
request into an unhandled error after its body was read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from aiohttp import DummyCookieJar

from bff.app import create_app
from bff.web.limits import Limits
from tests.support.sentry import CaptureTransport, capturing_sentry


class BrokenHasher:
    """A hasher whose backend fails: every use is an unhandled error."""

    async def hash(self, password: str) -> str:
        raise RuntimeError("argon2 backend failed")

    async def verify(self, password_hash: str | None, password: str) -> bool:
        raise RuntimeError("argon2 backend failed")

    def needs_rehash(self, password_hash: str) -> bool:
        return False


def _canaries() -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    return {
        "email": f"canary.{tag}@example.com",
        "password": f"Canary-pass-{tag}!",
        "name": f"Zebediah Canary{tag}",
        "phone": "+14155550187",
        "token": f"canarytoken{tag}",
        "csrf": f"canarycsrf{tag}",
        "bearer": f"canarybearer{tag}",
    }


def _headers(canary: dict[str, str]) -> dict[str, str]:
    return {
        "Cookie": f"origin_session={canary['token']}",
        "X-CSRF-Token": canary["csrf"],
        "Authorization": f"Bearer {canary['bearer']}",
        "X-Api-Key": canary["token"] + "k",
        "X-Forwarded-For": "203.0.113.9",
    }


@pytest.fixture
def sentry(settings) -> Iterator[CaptureTransport]:
    """Sentry started before the app is built and served, as `run_role` does."""
    with capturing_sentry(settings) as transport:
        yield transport


@pytest.fixture
async def broken_client(sentry, aiohttp_client, settings):
    app = create_app(
        settings,
        limits=Limits(client_ip_header="X-Forwarded-For"),
        password_hasher=BrokenHasher(),
    )
    return await aiohttp_client(app, cookie_jar=DummyCookieJar())


def _assert_clean(captured: str, canary: dict[str, str]) -> None:
    for name, value in canary.items():
        assert value not in captured, f"{name} reached Sentry"
        assert value.lower() not in captured.lower(), f"{name} reached Sentry"
    assert "14155550187" not in captured
    assert canary["name"].split()[-1] not in captured


async def test_a_failing_sign_in_sends_sentry_no_password_email_name_phone_or_token(
    broken_client, sentry
):
    canary = _canaries()
    response = await broken_client.post(
        f"/api/v1/auth/login?phone={canary['phone']}&name={canary['name']}",
        json={"email": canary["email"], "password": canary["password"]},
        headers=_headers(canary),
    )
    assert response.status == 500

    await broken_client.close()  # the request's events are complete
    assert sentry.events(), "the 500 was not reported to Sentry"
    captured = sentry.everything()
    assert "RuntimeError" in captured
    # The aiohttp integration saw the request (so its body and headers were on offer).
    assert '"url":"http://127.0.0.1:' in captured and "/api/v1/auth/login" in captured
    _assert_clean(captured, canary)


async def test_a_failing_sign_up_sends_sentry_none_of_what_was_typed(broken_client, sentry):
    canary = _canaries()
    response = await broken_client.post(
        "/api/v1/signup",
        json={
            "email": canary["email"],
            "password": canary["password"],
            "full_name": canary["name"],
            "country": "US",
        },
        headers={**_headers(canary), "X-Forwarded-For": "203.0.113.10"},
    )
    assert response.status == 500

    await broken_client.close()
    assert sentry.events(), "the 500 was not reported to Sentry"
    captured = sentry.everything()
    assert '"url":"http://127.0.0.1:' in captured and "/api/v1/signup" in captured
    _assert_clean(captured, canary)


async def test_an_error_message_quoting_a_payload_reaches_sentry_masked(settings):
    canary = _canaries()
    payload = (
        f'{{"email": "{canary["email"]}", "password": "{canary["password"]}",'
        f' "full_name": "{canary["name"]}", "public_token": "{canary["token"]}"}}'
    )
    with capturing_sentry(settings) as sentry:
        try:
            raise ValueError(f"provider refused {payload}")
        except ValueError as exc:
            import sentry_sdk

            sentry_sdk.capture_exception(exc)

    captured = sentry.everything()
    assert "provider refused" in captured
    _assert_clean(captured, canary)
