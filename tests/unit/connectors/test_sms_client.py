"""The SMS client on a mocked wire: request shape, retries, breaker, and the environment gate."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.breaker import BreakerSettings, BreakerState
from connectors.errors import (
    AuthenticationError,
    CircuitOpen,
    PermanentError,
    RateLimited,
    SmsGateError,
    TransientError,
)
from connectors.http import HttpSettings
from connectors.policy import PolicySettings, ProviderPolicy
from connectors.retry import RetrySettings
from connectors.sms import MessageStatus, SmsConfig, SmsSender, TwilioSmsClient
from shared.settings import AppEnv
from tests.unit.connectors.conftest import FakeClock

SIMULATOR = "http://127.0.0.1:8090"
REAL = "https://api.twilio.com"
SID = "AC00000000000000000000000000000001"
TOKEN = "sms-auth-token-for-tests"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
ACCEPTED = {"sid": "SM123", "status": "queued", "to": "+15555550100", "error_code": None}


def config(base_url: str = SIMULATOR, **overrides: object) -> SmsConfig:
    return SmsConfig.model_validate(
        {
            "base_url": base_url,
            "account_sid": SID,
            "auth_token": SecretStr(TOKEN),
            "from_number": "+15555550199",
            "status_callback_url": "https://gateway.test/webhooks/sms",
            "http": HttpSettings(total_timeout_seconds=2),
            **overrides,
        }
    )


def policy(clock: FakeClock, **breaker: object) -> ProviderPolicy:
    return ProviderPolicy(
        "twilio",
        PolicySettings(
            retry=RetrySettings(max_attempts=3, budget_floor=100),
            breaker=BreakerSettings.model_validate(breaker),
        ),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def client(
    http: httpx.AsyncClient,
    clock: FakeClock,
    *,
    app_env: AppEnv = AppEnv.TEST,
    base_url: str = SIMULATOR,
    **breaker: object,
) -> TwilioSmsClient:
    return TwilioSmsClient(http, config(base_url), app_env=app_env, policy=policy(clock, **breaker))


async def test_a_message_is_posted_as_a_form_with_basic_auth(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).respond(201, json=ACCEPTED)
        sent = await client(http, clock).send("+15555550100", "Hello")
    assert sent.sid == "SM123"
    assert sent.status is MessageStatus.QUEUED
    request = route.calls.last.request
    assert dict(parse_qsl(request.content.decode())) == {
        "To": "+15555550100",
        "Body": "Hello",
        "From": "+15555550199",
        "StatusCallback": "https://gateway.test/webhooks/sms",
    }
    expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


async def test_a_messaging_service_replaces_the_from_number(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    cfg = config(from_number=None, messaging_service_sid="MG1")
    sms = TwilioSmsClient(http, cfg, app_env=AppEnv.TEST, policy=policy(clock))
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).respond(201, json=ACCEPTED)
        await sms.send("+15555550100", "Hello")
    form = dict(parse_qsl(route.calls.last.request.content.decode()))
    assert form["MessagingServiceSid"] == "MG1"
    assert "From" not in form


async def test_a_503_is_retried_then_succeeds(http: httpx.AsyncClient, clock: FakeClock) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(503),
                httpx.Response(201, json=ACCEPTED),
            ]
        )
        sent = await client(http, clock).send("+15555550100", "Hello")
    assert sent.sid == "SM123"
    assert route.call_count == 3


async def test_a_500_is_not_retried_because_the_message_may_have_gone(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).respond(500, json={"code": 20500, "message": "x", "status": 500})
        with pytest.raises(TransientError) as raised:
            await client(http, clock).send("+15555550100", "Hello")
    assert raised.value.ambiguous
    assert route.call_count == 1


async def test_a_4xx_is_not_retried_and_keeps_only_the_provider_code(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = {"code": 21211, "message": "The 'To' number +15555550100 is not valid", "status": 400}
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).respond(400, json=body)
        with pytest.raises(PermanentError) as raised:
            await client(http, clock).send("+15555550100", "Hello")
    assert route.call_count == 1
    assert raised.value.code == "21211"
    assert "+1555" not in str(raised.value)


async def test_refused_credentials_raise_an_authentication_error_without_the_token(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        wire.post(PATH).respond(401, json={"code": 20003, "message": "Authenticate"})
        with pytest.raises(AuthenticationError) as raised:
            await client(http, clock).send("+15555550100", "Hello")
    assert TOKEN not in str(raised.value)
    assert TOKEN not in repr(client(http, clock))


async def test_a_429_waits_for_retry_after(http: httpx.AsyncClient, clock: FakeClock) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "4"}, json={"code": 20429}),
                httpx.Response(201, json=ACCEPTED),
            ]
        )
        await client(http, clock).send("+15555550100", "Hello")
    assert route.call_count == 2
    assert clock.sleeps == [4.0]


async def test_a_long_retry_after_surfaces_for_the_queue(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        wire.post(PATH).respond(429, headers={"Retry-After": "300"})
        with pytest.raises(RateLimited) as raised:
            await client(http, clock).send("+15555550100", "Hello")
    assert raised.value.retry_after == 300.0
    assert clock.sleeps == []


async def test_a_connect_timeout_is_retried_and_a_read_timeout_is_not(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).mock(
            side_effect=[httpx.ConnectTimeout("slow"), httpx.Response(201, json=ACCEPTED)]
        )
        await client(http, clock).send("+15555550100", "Hello")
        assert route.call_count == 2
        route.side_effect = [httpx.ReadTimeout("slow")]
        with pytest.raises(TransientError):
            await client(http, clock).send("+15555550100", "Hello")
        assert route.call_count == 3


async def test_the_breaker_opens_and_then_half_opens(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    sms = client(http, clock, consecutive_failures=3, open_seconds=5)
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.post(PATH).respond(503)
        with pytest.raises(TransientError):
            await sms.send("+15555550100", "Hello")  # three failed attempts
        with pytest.raises(CircuitOpen):
            await sms.send("+15555550100", "Hello")
        assert route.call_count == 3
        assert sms.policy.snapshot()["breaker"] == "open"

        clock.advance(5)
        assert sms.policy.breaker.state is BreakerState.HALF_OPEN
        route.side_effect = None
        route.return_value = httpx.Response(201, json=ACCEPTED)
        await sms.send("+15555550100", "Hello")
    assert sms.policy.snapshot()["breaker"] == BreakerState.CLOSED.value


@pytest.mark.parametrize("app_env", [AppEnv.LOCAL, AppEnv.TEST])
async def test_local_and_test_refuse_the_real_provider_before_any_request(
    http: httpx.AsyncClient, clock: FakeClock, app_env: AppEnv
) -> None:
    with respx.mock(base_url=REAL, assert_all_called=False) as wire:
        route = wire.post(PATH).respond(201, json=ACCEPTED)
        with pytest.raises(SmsGateError) as raised:
            await client(http, clock, app_env=app_env, base_url=REAL).send("+15555550100", "Hi")
    assert route.call_count == 0
    assert f"APP_ENV={app_env.value}" in str(raised.value)


@pytest.mark.parametrize("app_env", [AppEnv.LOCAL, AppEnv.TEST])
async def test_local_and_test_may_send_to_the_simulator(
    http: httpx.AsyncClient, clock: FakeClock, app_env: AppEnv
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        wire.post(PATH).respond(201, json=ACCEPTED)
        await client(http, clock, app_env=app_env).send("+15555550100", "Hi")


@pytest.mark.parametrize("app_env", [AppEnv.LOCAL, AppEnv.TEST])
async def test_listing_the_real_provider_as_a_simulator_does_not_open_the_gate(
    http: httpx.AsyncClient, clock: FakeClock, app_env: AppEnv
) -> None:
    cfg = config(REAL, simulator_urls=(REAL, SIMULATOR))
    sms = TwilioSmsClient(http, cfg, app_env=app_env, policy=policy(clock))
    with pytest.raises(SmsGateError):
        await sms.send("+15555550100", "Hi")


@pytest.mark.parametrize("app_env", [AppEnv.LOCAL, AppEnv.TEST])
async def test_an_unlisted_host_is_refused_outside_deployments(
    http: httpx.AsyncClient, clock: FakeClock, app_env: AppEnv
) -> None:
    with pytest.raises(SmsGateError):
        await client(http, clock, app_env=app_env, base_url="http://127.0.0.1:9999").send(
            "+15555550100", "Hi"
        )


@pytest.mark.parametrize("app_env", [AppEnv.STAGING, AppEnv.PRODUCTION])
async def test_staging_and_production_send_to_the_real_provider(
    http: httpx.AsyncClient, clock: FakeClock, app_env: AppEnv
) -> None:
    with respx.mock(base_url=REAL) as wire:
        route = wire.post(PATH).respond(201, json=ACCEPTED)
        await client(http, clock, app_env=app_env, base_url=REAL).send("+15555550100", "Hi")
    assert route.call_count == 1


def test_the_client_satisfies_the_sender_protocol(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    sender: SmsSender = client(http, clock)
    assert sender is not None


def test_a_config_needs_exactly_one_sender() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        config(messaging_service_sid="MG1")


async def test_the_message_list_follows_every_page_and_reads_messages_tolerantly(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = {
        "messages": [
            {
                "sid": "SM2",
                "status": "delivered",
                "to": "+15555550100",
                "from": "+15555550199",
                "body": "Hello",
                "direction": "outbound-api",
                "date_created": "Wed, 02 Dec 2026 08:00:01 +0000",
                "date_sent": "Wed, 02 Dec 2026 08:00:02 +0000",
                "error_code": None,
                "a_field_added_later": {"x": 1},
            }
        ],
        "page": 0,
        "next_page_uri": f"{PATH}?To=%2B15555550100&PageSize=1&Page=1&PageToken=PASM2",
    }
    second = {
        "messages": [{"sid": "SM1", "status": "a_status_added_later", "error_code": "30003"}],
        "page": 1,
        "next_page_uri": None,
    }
    with respx.mock(base_url=SIMULATOR) as wire:
        route = wire.get(PATH).mock(
            side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)]
        )
        listed = await client(http, clock).list_messages(
            to="+15555550100", sent_on_or_after=date(2026, 12, 2)
        )

    assert [m.sid for m in listed] == ["SM2", "SM1"]
    assert listed[0].from_ == "+15555550199"
    assert listed[0].date_created == datetime(2026, 12, 2, 8, 0, 1, tzinfo=UTC)
    assert listed[0].known_status is MessageStatus.DELIVERED
    assert listed[1].known_status is None and listed[1].error_code == 30003
    assert listed[1].date_created is None
    asked = dict(route.calls[0].request.url.params)
    assert asked == {
        "To": "+15555550100",
        "From": "+15555550199",
        "DateSent>": "2026-12-02",
        "PageSize": "100",
    }
    assert route.calls[1].request.url.params["PageToken"] == "PASM2"


async def test_an_unreadable_message_list_is_a_permanent_error(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=SIMULATOR) as wire:
        wire.get(PATH).respond(200, json={"messages": [{"status": "sent"}]})  # no sid
        with pytest.raises(PermanentError):
            await client(http, clock).list_messages(
                to="+15555550100", sent_on_or_after=date(2026, 12, 2)
            )
