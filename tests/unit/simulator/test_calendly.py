"""The simulated scheduling API: webhook subscriptions and signed invitee webhooks."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from connectors.bookings import CalendlySignatureVerifier, InviteeWebhook
from connectors.errors import WebhookVerificationError
from tests.support.simulator import SimulatorHandle, WebhookRecorder
from tests.unit.simulator.conftest import CALENDLY_TOKEN

BEARER = {"Authorization": f"Bearer {CALENDLY_TOKEN}"}


async def subscribe(client: httpx.AsyncClient, url: str, **fields: object) -> httpx.Response:
    me = (await client.get("/users/me", headers=BEARER)).json()["resource"]
    body = {
        "url": url,
        "events": ["invitee.created", "invitee.canceled"],
        "organization": me["current_organization"],
        "user": me["uri"],
        "scope": "user",
        **fields,
    }
    return await client.post("/webhook_subscriptions", json=body, headers=BEARER)


async def test_a_subscription_is_created_listed_read_and_deleted(client: httpx.AsyncClient):
    created = await subscribe(client, "https://gateway.example/webhooks/calendly")
    resource = created.json()["resource"]
    uuid = resource["uri"].rsplit("/", 1)[1]

    listed = await client.get(
        "/webhook_subscriptions",
        params={"organization": resource["organization"], "scope": "user"},
        headers=BEARER,
    )
    fetched = await client.get(f"/webhook_subscriptions/{uuid}", headers=BEARER)
    deleted = await client.delete(f"/webhook_subscriptions/{uuid}", headers=BEARER)
    gone = await client.get(f"/webhook_subscriptions/{uuid}", headers=BEARER)

    assert created.status_code == 201
    assert resource["state"] == "active"
    assert resource["callback_url"] == "https://gateway.example/webhooks/calendly"
    assert "signing_key" not in resource
    assert [s["uri"] for s in listed.json()["collection"]] == [resource["uri"]]
    assert listed.json()["pagination"]["count"] == 1
    assert fetched.json()["resource"] == resource
    assert deleted.status_code == 204
    assert gone.status_code == 404


async def test_a_bad_token_a_bad_body_and_a_duplicate_are_refused(client: httpx.AsyncClient):
    unauthenticated = await client.get("/users/me", headers={"Authorization": "Bearer nope"})
    invalid = await client.post("/webhook_subscriptions", json={"url": "x"}, headers=BEARER)
    await subscribe(client, "https://gateway.example/hook")
    duplicate = await subscribe(client, "https://gateway.example/hook")

    assert unauthenticated.status_code == 401
    assert invalid.status_code == 400
    assert {d["parameter"] for d in invalid.json()["details"]} >= {"url", "events", "scope"}
    assert duplicate.status_code == 409


async def test_an_invitee_created_webhook_is_signed_with_the_subscriptions_key(
    client: httpx.AsyncClient, simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await subscribe(client, f"{recorder.url}/webhooks/calendly", signing_key="sub-key-1")

    result = await simulator.admin.trigger_invitee(
        "invitee.created", email="pat@example.com", name="Pat Doe"
    )

    assert [d["status"] for d in result["deliveries"]] == [200]
    (hook,) = recorder.at("/webhooks/calendly")
    header = hook.headers["Calendly-Webhook-Signature"]
    CalendlySignatureVerifier(SecretStr("sub-key-1")).verify(header, hook.body)
    with pytest.raises(WebhookVerificationError):
        CalendlySignatureVerifier(SecretStr("other-key")).verify(header, hook.body)
    with pytest.raises(WebhookVerificationError):
        CalendlySignatureVerifier(SecretStr("sub-key-1")).verify(header, hook.body + b" ")
    webhook = InviteeWebhook.model_validate_json(hook.body)
    assert webhook.event == "invitee.created"
    assert webhook.payload.email == "pat@example.com"


async def test_an_invitee_canceled_webhook_carries_the_cancellation_and_the_default_key(
    client: httpx.AsyncClient, simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await subscribe(client, f"{recorder.url}/webhooks/calendly")

    await simulator.admin.trigger_invitee("invitee.canceled", cancel_reason="Sick")

    (hook,) = recorder.at("/webhooks/calendly")
    key = simulator.config.calendly_signing_key
    CalendlySignatureVerifier(key).verify(hook.headers["Calendly-Webhook-Signature"], hook.body)
    body = json.loads(hook.body)
    assert body["event"] == "invitee.canceled"
    assert body["payload"]["status"] == "canceled"
    assert body["payload"]["cancellation"]["reason"] == "Sick"
    assert body["payload"]["scheduled_event"]["status"] == "canceled"


async def test_only_subscriptions_to_the_event_are_called(
    client: httpx.AsyncClient, simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await subscribe(client, f"{recorder.url}/created-only", events=["invitee.created"])

    result = await simulator.admin.trigger_invitee("invitee.canceled")

    assert result["deliveries"] == []
    assert recorder.received == []
