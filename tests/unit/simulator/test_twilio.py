"""The simulated Messages API: what it answers, records, and calls back with."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr

from connectors.sms import TwilioSignatureValidator
from tests.support.polling import eventually
from tests.support.simulator import (
    SimulatorHandle,
    WebhookRecorder,
    running_simulator,
    simulator_config,
)
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


async def _sent_everything(simulator: SimulatorHandle, to: str, count: int) -> None:
    async def all_sent() -> None:
        listed = await simulator.admin.sent_sms(to=to)
        assert len(listed) == count and all(m["date_sent"] for m in listed)

    await eventually(all_sent)


async def test_the_message_list_filters_by_to_from_and_date_sent_and_pages_by_next_page_uri(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    for n in range(5):
        await send(client, To="+15551230002", Body=f"text {n}")
    await send(client, To="+15551230003", Body="someone else")
    await _sent_everything(simulator, "+15551230002", 5)
    today = (await simulator.admin.sent_sms(to="+15551230002"))[0]["date_sent"]
    assert today.endswith("+0000")

    query: dict[str, str | int] = {
        "To": "+15551230002",
        "From": "+15550009999",
        "DateSent>": "2020-01-01",
        "PageSize": 2,
    }
    pages = []
    response = await client.get(MESSAGES, params=query, auth=AUTH)
    while True:
        assert response.status_code == 200
        page = response.json()
        pages.append(page)
        if page["next_page_uri"] is None:
            break
        assert page["next_page_uri"].startswith(MESSAGES + "?")
        response = await client.get(page["next_page_uri"], auth=AUTH)

    assert [len(p["messages"]) for p in pages] == [2, 2, 1]
    assert [p["page"] for p in pages] == [0, 1, 2]
    assert [p["start"] for p in pages] == [0, 2, 4]
    assert all(p["page_size"] == 2 for p in pages)
    assert pages[0]["previous_page_uri"] is None and pages[1]["previous_page_uri"] is not None
    bodies = [m["body"] for p in pages for m in p["messages"]]
    assert bodies == [f"text {n}" for n in reversed(range(5))]  # newest first, each once
    assert {m["to"] for p in pages for m in p["messages"]} == {"+15551230002"}

    future = await client.get(MESSAGES, params={**query, "DateSent>": "2999-01-01"}, auth=AUTH)
    assert future.json()["messages"] == []
    other_sender = await client.get(MESSAGES, params={**query, "From": "+15550000000"}, auth=AUTH)
    assert other_sender.json()["messages"] == []


async def test_a_queued_message_has_no_date_sent_and_matches_no_date_sent_filter():
    config = simulator_config(sms_status_delay_seconds=5)
    async with (
        running_simulator(config) as simulator,
        httpx.AsyncClient(base_url=simulator.url, timeout=10) as client,
    ):
        await send(client, To="+15551230004")
        listed = await client.get(
            MESSAGES, params={"To": "+15551230004", "DateSent>": "2020-01-01"}, auth=AUTH
        )
        unfiltered = await client.get(MESSAGES, params={"To": "+15551230004"}, auth=AUTH)

    assert listed.json()["messages"] == []
    assert [m["date_sent"] for m in unfiltered.json()["messages"]] == [None]


async def test_a_bad_page_size_or_date_is_a_400_with_a_twilio_error_body(client: httpx.AsyncClient):
    too_big = await client.get(MESSAGES, params={"PageSize": 1001}, auth=AUTH)
    bad_date = await client.get(MESSAGES, params={"DateSent>": "yesterday"}, auth=AUTH)
    no_token = await client.get(MESSAGES, params={"Page": 1}, auth=AUTH)

    assert [r.status_code for r in (too_big, bad_date, no_token)] == [400, 400, 400]
    assert all(r.json()["code"] == 20001 for r in (too_big, bad_date, no_token))
