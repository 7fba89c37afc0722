"""twilio, Twilio's official SDK, as the oracle for the simulator, our SMS client and webhook.

The SDK sends an SMS through the simulator (its HTTP client pointed there) and reads the
message resource into `MessageInstance`; every property it reads is present in the
simulator's answer. One answer is kept as a fixture that our client parses too, agreeing
with the SDK on every field we read. Error answers are Twilio's REST errors with the codes
we handle. Status callbacks verify with the SDK's `RequestValidator`, and the gateway
accepts a callback signed by that validator and refuses a tampered one.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import respx
from pydantic import SecretStr
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest.api.v2010.account.message import MessageInstance

from connectors.errors import ConnectorError, PermanentError, RateLimited
from connectors.http import HttpSettings
from connectors.policy import PolicySettings
from connectors.retry import RetrySettings
from connectors.sms import MessageStatus, SmsConfig, TwilioSmsClient
from gateway.webhooks.intake import WEBHOOK_STATS
from shared.settings import AppEnv
from tests.contract_providers.oracle import agree, recorded, twilio_client
from tests.integration.gateway import builders
from tests.integration.gateway.conftest import Gateway
from tests.support.polling import eventually
from tests.support.simulator import SimulatorHandle, WebhookRecorder, running_simulator
from tests.support.simulator import simulator_config as make_simulator_config

SENDER = "+15550009999"
NO_RETRY = PolicySettings(retry=RetrySettings(max_attempts=1))
# The statuses the SDK knows (`MessageInstance.Status` is a plain class of constants).
SDK_STATUSES = {value for name, value in vars(MessageInstance.Status).items() if name.isupper()}


def sdk_reads(payload: dict[str, Any]) -> set[str]:
    """The message properties `MessageInstance` reads (its documented resource)."""
    instance = MessageInstance.__new__(MessageInstance)
    seen: set[str] = set()

    class Spy(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            seen.add(key)
            return super().get(key, default)

    MessageInstance.__init__(instance, None, Spy(payload), "AC")
    return seen


def our_config(base_url: str, sid: str, token: str, **overrides: Any) -> SmsConfig:
    return SmsConfig(
        base_url=base_url,
        account_sid=sid,
        auth_token=SecretStr(token),
        from_number=SENDER,
        simulator_urls=(base_url,),
        http=HttpSettings(total_timeout_seconds=5),
        policy=NO_RETRY,
        **overrides,
    )


async def test_the_sdk_sends_an_sms_through_the_simulator_and_reads_every_property(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    config = sim.config
    client = twilio_client(
        sim.url, config.twilio_account_sid, config.twilio_auth_token.get_secret_value()
    )

    message = await asyncio.to_thread(
        lambda: client.messages.create(
            to="+15551230001",
            from_=SENDER,
            body="Your session is tomorrow at 3pm",
            status_callback=f"{recorder.url}/webhooks/twilio",
        )
    )

    assert isinstance(message, MessageInstance)
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status in SDK_STATUSES
    assert {status.value for status in MessageStatus} == SDK_STATUSES
    assert isinstance(message.date_created, datetime) and message.date_created.tzinfo
    assert message.to == "+15551230001" and message.from_ == SENDER
    raw = json.loads(client.http_client.last_text)
    missing = sdk_reads(raw) - set(raw)
    assert missing == set(), f"properties the SDK reads but the simulator omits: {missing}"
    fixture = recorded("twilio_message_create", client.http_client.last_text.encode())

    with respx.mock(assert_all_called=True) as router:
        router.post(url__regex=r"https://api\.twilio\.test/.*/Messages\.json").respond(
            201, content=fixture
        )
        async with httpx.AsyncClient() as http:
            ours = await TwilioSmsClient(
                http,
                our_config("https://api.twilio.test", config.twilio_account_sid, "t"),
                app_env=AppEnv.STAGING,
            ).send("+15551230001", "Your session is tomorrow at 3pm")
    theirs = MessageInstance(client.api.v2010, json.loads(fixture), config.twilio_account_sid)
    assert agree(ours, theirs) == []

    fetched = await asyncio.to_thread(lambda: client.messages(message.sid).fetch())
    assert fetched.sid == message.sid and fetched.body == "Your session is tomorrow at 3pm"


async def test_status_callbacks_from_the_simulator_verify_with_the_sdks_validator(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    token = sim.config.twilio_auth_token.get_secret_value()
    client = twilio_client(sim.url, sim.config.twilio_account_sid, token)
    callback = f"{recorder.url}/webhooks/twilio?message_id={uuid.uuid4()}"
    await asyncio.to_thread(
        lambda: client.messages.create(
            to="+15551230002", from_=SENDER, body="hello", status_callback=callback
        )
    )

    async def both_statuses() -> None:
        assert len(recorder.at("/webhooks/twilio")) == 2

    await eventually(both_statuses)
    validator = RequestValidator(token)
    for hook in recorder.at("/webhooks/twilio"):
        params = dict(parse_qsl(hook.body.decode()))
        assert validator.validate(callback, params, hook.headers["X-Twilio-Signature"])
        assert not validator.validate(
            callback, {**params, "MessageStatus": "read"}, hook.headers["X-Twilio-Signature"]
        )
    recorded(
        "twilio_status_callback",
        json.dumps(dict(parse_qsl(recorder.at("/webhooks/twilio")[-1].body.decode()))).encode(),
    )


@pytest.mark.parametrize(
    ("to", "status", "code", "ours"),
    [
        ("5551234", 400, 21211, PermanentError),  # not a valid phone number
        ("+15005550004", 400, 21610, PermanentError),  # recipient replied STOP
        ("+15005550009", 400, 21614, PermanentError),  # not a mobile number
    ],
)
async def test_refused_sends_are_twilio_errors_the_sdk_reads_and_we_map(
    sim: SimulatorHandle, to: str, status: int, code: int, ours: type[ConnectorError]
):
    client = twilio_client(
        sim.url, sim.config.twilio_account_sid, sim.config.twilio_auth_token.get_secret_value()
    )

    with pytest.raises(TwilioRestException) as refused:
        await asyncio.to_thread(lambda: client.messages.create(to=to, from_=SENDER, body="hi"))

    assert (refused.value.status, refused.value.code) == (status, code)
    body = json.loads(client.http_client.last_text)
    assert set(body) >= {"code", "message", "more_info", "status"}
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    config = our_config(
        sim.url, sim.config.twilio_account_sid, sim.config.twilio_auth_token.get_secret_value()
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConnectorError) as raised:
            await TwilioSmsClient(http, config, app_env=AppEnv.TEST).send(to, "hi")
    assert type(raised.value) is ours and raised.value.code == str(code)


async def test_a_sender_over_its_rate_is_refused_with_20429_which_we_read_as_rate_limited():
    config = make_simulator_config(sms_sender_limit_per_second=1)
    async with running_simulator(config) as sim:
        token = sim.config.twilio_auth_token.get_secret_value()
        client = twilio_client(sim.url, sim.config.twilio_account_sid, token)
        await asyncio.to_thread(
            lambda: client.messages.create(to="+15551230003", from_=SENDER, body="one")
        )
        with pytest.raises(TwilioRestException) as refused:
            await asyncio.to_thread(
                lambda: client.messages.create(to="+15551230003", from_=SENDER, body="two")
            )
        ours_config = our_config(sim.url, sim.config.twilio_account_sid, token)
        async with httpx.AsyncClient() as http:
            with pytest.raises(RateLimited) as raised:
                await TwilioSmsClient(http, ours_config, app_env=AppEnv.TEST).send(
                    "+15551230003", "three"
                )
        listed = await sim.admin.sent_sms()

    assert (refused.value.status, refused.value.code) == (429, 20429)
    assert raised.value.code == "20429" and raised.value.status == 429
    assert [m["body"] for m in listed] == ["one"]


# --- the gateway's webhook against the SDK's signatures --------------------------------


def signed_by_the_sdk(
    gateway: Gateway, message_id: uuid.UUID, sid: str, *, tamper: bool = False
) -> tuple[str, bytes, dict[str, str]]:
    url = f"{gateway.web_url}/webhooks/twilio?message_id={message_id}"
    params = {
        "AccountSid": gateway.simulator.config.twilio_account_sid,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid,
        "MessageStatus": "delivered",
        "SmsSid": sid,
        "SmsStatus": "delivered",
        "To": "+15550001111",
        "From": SENDER,
    }
    token = gateway.settings.sms_auth_token.get_secret_value()
    signature = RequestValidator(token).compute_signature(url, params)
    if tamper:
        params["MessageStatus"] = "undelivered"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return url, urlencode(params).encode(), headers


async def test_the_gateway_accepts_an_sdk_signed_callback_and_refuses_a_tampered_one(
    gateway: Gateway, pool
):
    member_id, _ = await builders.member(pool, phone=builders.unique_phone())
    sid = "SM" + uuid.uuid4().hex
    message_id = await builders.sms_message(pool, member_id, status="sent", provider_message_id=sid)

    async with httpx.AsyncClient() as http:
        url, body, headers = signed_by_the_sdk(gateway, message_id, sid, tamper=True)
        tampered = await http.post(url, content=body, headers=headers)
        url, body, headers = signed_by_the_sdk(gateway, message_id, sid)
        accepted = await http.post(url, content=body, headers=headers)

    assert tampered.status_code == 401
    assert gateway.web.app[WEBHOOK_STATS].rejected["twilio"] == 1
    assert accepted.status_code == 200 and accepted.json() == {"received": True, "duplicate": False}
    events = await builders.outbox_events(pool, "sms.status_changed", str(message_id))
    assert len(events) == 1
