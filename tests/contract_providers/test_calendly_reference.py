"""Calendly (no official SDK): the simulator's answers against the published API v2 shapes.

`calendly_schemas/` holds JSON Schemas written from Calendly's API v2 reference. Every
answer to a call our client makes, every error shape, and the invitee webhooks the
simulator sends must validate; one answer per endpoint is kept as a fixture, which our
client parses, agreeing with the raw JSON on every field it reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx
from pydantic import SecretStr
from referencing import Registry, Resource

from connectors.bookings import (
    CalendlyClient,
    InviteeWebhook,
    SchedulingConfig,
    SubscriptionEvent,
    SubscriptionScope,
)
from connectors.policy import PolicySettings
from connectors.retry import RetrySettings
from connectors.simulator.calendly import ORGANIZATION_ID
from tests.contract_providers.oracle import agree, recorded
from tests.support.polling import eventually
from tests.support.simulator import SimulatorHandle, WebhookRecorder

SCHEMAS = Path(__file__).parent / "calendly_schemas"
BASE = "https://api.calendly.test"
NO_RETRY = PolicySettings(retry=RetrySettings(max_attempts=1))


def _registry() -> Registry:
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return registry


REGISTRY = _registry()


def conforms(name: str, document: Any) -> None:
    """Validate `document` against `calendly_schemas/<name>.schema.json` (formats checked)."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, registry=REGISTRY, format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_the_schemas_are_valid_json_schema_and_refuse_a_wrong_shape():
    for path in SCHEMAS.glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
    with pytest.raises(AssertionError):
        conforms("webhook_subscription_resource", {"resource": {"uri": "not a uri"}})


def api(sim: SimulatorHandle) -> httpx.AsyncClient:
    token = sim.config.calendly_api_token.get_secret_value()
    return httpx.AsyncClient(base_url=sim.url, headers={"Authorization": f"Bearer {token}"})


def organization(sim: SimulatorHandle) -> str:
    return f"{sim.url}/organizations/{ORGANIZATION_ID}"


def our_client(http: httpx.AsyncClient) -> CalendlyClient:
    return CalendlyClient(
        http, SchedulingConfig(base_url=BASE, api_token=SecretStr("t"), policy=NO_RETRY)
    )


async def test_webhook_subscription_answers_match_the_reference_and_our_client_agrees(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    async with api(sim) as http:
        me = await http.get("/users/me")
        created = await http.post(
            "/webhook_subscriptions",
            json={
                "url": f"{recorder.url}/webhooks/calendly",
                "events": ["invitee.created", "invitee.canceled"],
                "organization": organization(sim),
                "scope": "organization",
            },
        )
        uuid = created.json()["resource"]["uri"].rsplit("/", 1)[-1]
        listed = await http.get(
            "/webhook_subscriptions",
            params={"organization": organization(sim), "scope": "organization"},
        )
        fetched = await http.get(f"/webhook_subscriptions/{uuid}")
        deleted = await http.delete(f"/webhook_subscriptions/{uuid}")

    assert [me.status_code, created.status_code, listed.status_code] == [200, 201, 200]
    assert [fetched.status_code, deleted.status_code] == [200, 204]
    conforms("user_resource", me.json())
    conforms("webhook_subscription_resource", created.json())
    conforms("webhook_subscription_resource", fetched.json())
    conforms("webhook_subscription_list", listed.json())

    resource = recorded("calendly_webhook_subscription", created.content)
    collection = recorded("calendly_webhook_subscription_list", listed.content)
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{BASE}/webhook_subscriptions").respond(201, content=resource)
        router.get(f"{BASE}/webhook_subscriptions/{uuid}").respond(200, content=resource)
        router.get(f"{BASE}/webhook_subscriptions").respond(200, content=collection)
        async with httpx.AsyncClient() as plain:
            client = our_client(plain)
            ours_created = await client.create_webhook_subscription(
                url="https://gateway.test/webhooks/calendly",
                events=[SubscriptionEvent.INVITEE_CREATED],
                organization="https://api.calendly.test/organizations/X",
                scope=SubscriptionScope.ORGANIZATION,
            )
            ours_fetched = await client.get_webhook_subscription(uuid)
            ours_page = await client.list_webhook_subscriptions(
                organization="https://api.calendly.test/organizations/X",
                scope=SubscriptionScope.ORGANIZATION,
            )
    raw = json.loads(resource)["resource"]
    assert agree(ours_created, raw) == [] and agree(ours_fetched, raw) == []
    raw_page = json.loads(collection)
    assert agree(ours_page.collection, raw_page["collection"]) == []
    assert ours_page.next_page_token == raw_page["pagination"]["next_page_token"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/webhook_subscriptions/NOPE", None, 404),
        ("POST", "/webhook_subscriptions", {"url": "ftp://x", "events": []}, 400),
        ("GET", "/webhook_subscriptions", None, 400),
    ],
)
async def test_error_answers_have_the_references_error_shape(
    sim: SimulatorHandle, method: str, path: str, body: Any, status: int
):
    async with api(sim) as http:
        response = await http.request(method, path, json=body)
    async with httpx.AsyncClient(base_url=sim.url) as anonymous:
        unauthenticated = await anonymous.get("/users/me")

    assert response.status_code == status
    conforms("error", response.json())
    assert unauthenticated.status_code == 401
    conforms("error", unauthenticated.json())


@pytest.mark.parametrize("event", ["invitee.created", "invitee.canceled"])
async def test_invitee_webhooks_match_the_reference_and_our_model_agrees(
    sim: SimulatorHandle, recorder: WebhookRecorder, event: str
):
    async with api(sim) as http:
        await http.post(
            "/webhook_subscriptions",
            json={
                "url": f"{recorder.url}/webhooks/calendly",
                "events": [event],
                "organization": organization(sim),
                "scope": "organization",
            },
        )
    await sim.admin.trigger_invitee(event)

    async def delivered() -> None:
        assert recorder.at("/webhooks/calendly")

    await eventually(delivered)
    body = recorder.at("/webhooks/calendly")[0].body
    conforms("invitee_webhook", json.loads(body))
    fixture = recorded(f"calendly_webhook_{event.replace('.', '_')}", body)
    assert agree(InviteeWebhook.model_validate_json(fixture), json.loads(fixture)) == []
