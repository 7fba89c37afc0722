"""The simulated Messages API: what it answers, records, and calls back with."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr

from connectors.sms import TwilioSignatureValidator
from tests.support.polling import eventually
from tests.support.simulator import SimulatorHandle, WebhookRecorder
from tests.unit.simulator.conftest import TWILIO_SID, TWILIO_TOKEN

MESSAGES = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
AUTH = (TWILIO_SID, TWILIO_TOKEN)


async def send(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    data = {"To": "+15551230001", "From": "+15550009999", "Body": "Your session is at 3pm", **form}
    return await client.post(MESSAGES, data=data, auth=AUTH)


async def test_a_message_is_queued_with_the_providers_resource_shape_and_recorded(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    response = await send(client)

    assert response.status_code == 201
    message = response.json()
    assert message["status"] == "queued"
    assert message["sid"].startswith("SM") and len(message["sid"]) == 34
    assert message["account_sid"] == TWILIO_SID
    assert message["api_version"] == "2010-04-01"
    assert message["direction"] == "outbound-api"
    assert message["uri"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{message['sid']}.json"
    assert message["date_created"].endswith("+0000")
    sent = await simulator.admin.sent_sms(to="+15551230001")
    assert [m["body"] for m in sent] == ["Your session is at 3pm"]


async def test_wrong_credentials_are_refused_with_error_20003(client: httpx.AsyncClient):
    response = await client.post(
        MESSAGES, data={"To": "+15551230001", "Body": "x"}, auth=(TWILIO_SID, "wrong")
    )

    assert response.status_code == 401
    assert response.json()["code"] == 20003


async def test_missing_or_invalid_fields_get_the_providers_error_codes(client: httpx.AsyncClient):
    no_to = await client.post(MESSAGES, data={"From": "+15550009999", "Body": "x"}, auth=AUTH)
    bad_to = await send(client, To="0123")
    no_body = await send(client, Body="")

    assert (no_to.status_code, no_to.json()["code"]) == (400, 21604)
    assert (bad_to.status_code, bad_to.json()["code"]) == (400, 21211)
    assert (no_body.status_code, no_body.json()["code"]) == (400, 21602)


async def test_status_callbacks_go_sent_then_delivered_signed_over_the_callback_url(
    client: httpx.AsyncClient, recorder: WebhookRecorder
):
    callback = f"{recorder.url}/webhooks/sms/status?tenant=origin"
    sid = (await send(client, StatusCallback=callback)).json()["sid"]

    async def two_callbacks():
        assert len(recorder.at("/webhooks/sms/status")) == 2

    await eventually(two_callbacks, timeout=5)
    validator = TwilioSignatureValidator(SecretStr(TWILIO_TOKEN))
    statuses = []
    for hook in recorder.at("/webhooks/sms/status"):
        params = dict(parse_qsl(hook.body.decode()))
        validator.verify(callback, params, hook.headers["X-Twilio-Signature"])
        assert params["MessageSid"] == sid
        assert params["SmsStatus"] == params["MessageStatus"]
        statuses.append(params["MessageStatus"])
    assert statuses == ["sent", "delivered"]
    fetched = await client.get(f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json", auth=AUTH)
    assert fetched.json()["status"] == "delivered"


async def test_a_signature_checked_on_any_other_url_or_params_does_not_verify(
    client: httpx.AsyncClient, recorder: WebhookRecorder
):
    callback = f"{recorder.url}/webhooks/sms/status"
    await send(client, StatusCallback=callback)

    async def first_callback():
        assert recorder.at("/webhooks/sms/status")

    await eventually(first_callback, timeout=5)
    hook = recorder.at("/webhooks/sms/status")[0]
    params = dict(parse_qsl(hook.body.decode()))
    signature = hook.headers["X-Twilio-Signature"]
    validator = TwilioSignatureValidator(SecretStr(TWILIO_TOKEN))

    assert validator.is_valid(callback, params, signature)
    assert not validator.is_valid(callback + "?x=1", params, signature)
    assert not validator.is_valid(callback, {**params, "MessageStatus": "failed"}, signature)
    assert not TwilioSignatureValidator(SecretStr("other")).is_valid(callback, params, signature)


async def test_scripted_numbers_end_failed_or_undelivered_with_an_error_code(
    client: httpx.AsyncClient, recorder: WebhookRecorder
):
    callback = f"{recorder.url}/cb"
    await send(client, To="+15005550001", StatusCallback=callback)
    await send(client, To="+15005550002", StatusCallback=callback)

    async def three_callbacks():
        assert len(recorder.at("/cb")) == 3

    await eventually(three_callbacks, timeout=5)
    outcomes = {
        (p["To"], p["MessageStatus"], p.get("ErrorCode"))
        for p in (dict(parse_qsl(h.body.decode())) for h in recorder.at("/cb"))
    }
    assert outcomes == {
        ("+15005550001", "failed", "30008"),
        ("+15005550002", "sent", None),
        ("+15005550002", "undelivered", "30003"),
    }


async def test_without_a_status_callback_nothing_is_called_but_the_message_progresses(
    client: httpx.AsyncClient, simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await send(client)

    async def delivered():
        assert [m["status"] for m in await simulator.admin.sent_sms()] == ["delivered"]

    await eventually(delivered, timeout=5)
    assert recorder.received == []
