"""The bookings client (webhook subscriptions) and its payload models."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.bookings import (
    CalendlyClient,
    InviteeWebhook,
    SchedulingConfig,
    SubscriptionEvent,
    SubscriptionScope,
)
from connectors.breaker import BreakerSettings
from connectors.errors import CircuitOpen, PermanentError, TransientError
from connectors.policy import PolicySettings, ProviderPolicy
from connectors.retry import RetrySettings
from tests.unit.connectors.conftest import FakeClock

BASE = "http://127.0.0.1:8090/calendly"
ORG = "https://api.calendly.com/organizations/ORG1"
TOKEN = "calendly-token-for-tests"
SUBSCRIPTION = {
    "uri": "https://api.calendly.com/webhook_subscriptions/SUB1",
    "callback_url": "https://gateway.test/webhooks/scheduling",
    "created_at": "2019-08-24T14:15:22.123456Z",
    "updated_at": "2019-08-24T14:15:22.123456Z",
    "retry_started_at": None,
    "state": "active",
    "events": ["invitee.created", "invitee.canceled"],
    "scope": "organization",
    "organization": ORG,
    "user": None,
    "creator": "https://api.calendly.com/users/U1",
}


@pytest.fixture
async def calendly(clock: FakeClock) -> AsyncIterator[CalendlyClient]:
    policy = ProviderPolicy(
        "calendly",
        PolicySettings(
            retry=RetrySettings(max_attempts=3, budget_floor=100),
            breaker=BreakerSettings(consecutive_failures=3),
        ),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
    )
    async with httpx.AsyncClient() as http:
        yield CalendlyClient(
            http, SchedulingConfig(base_url=BASE, api_token=SecretStr(TOKEN)), policy=policy
        )


async def test_a_subscription_is_created_with_a_bearer_token(calendly: CalendlyClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/webhook_subscriptions").respond(201, json={"resource": SUBSCRIPTION})
        created = await calendly.create_webhook_subscription(
            url="https://gateway.test/webhooks/scheduling",
            events=[SubscriptionEvent.INVITEE_CREATED, SubscriptionEvent.INVITEE_CANCELED],
            organization=ORG,
            scope=SubscriptionScope.ORGANIZATION,
            signing_key=SecretStr("signing-key"),
        )
    assert created.uuid == "SUB1"
    assert created.state == "active"
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "url": "https://gateway.test/webhooks/scheduling",
        "events": ["invitee.created", "invitee.canceled"],
        "organization": ORG,
        "scope": "organization",
        "signing_key": "signing-key",
    }
    assert TOKEN not in repr(calendly)


async def test_a_duplicate_subscription_is_a_permanent_error_tried_once(
    calendly: CalendlyClient,
) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/webhook_subscriptions").respond(
            409, json={"title": "Already Exists", "message": "Hook with this url already exists"}
        )
        with pytest.raises(PermanentError):
            await calendly.create_webhook_subscription(
                url="https://gateway.test/x",
                events=[SubscriptionEvent.INVITEE_CREATED],
                organization=ORG,
                scope=SubscriptionScope.ORGANIZATION,
            )
    assert route.call_count == 1


async def test_listing_pages_with_the_next_page_token(calendly: CalendlyClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.get("/webhook_subscriptions").respond(
            200,
            json={
                "collection": [SUBSCRIPTION],
                "pagination": {"count": 1, "next_page": None, "next_page_token": "tok2"},
            },
        )
        page = await calendly.list_webhook_subscriptions(
            organization=ORG, scope=SubscriptionScope.ORGANIZATION, page_token="tok1"
        )
    assert [s.uuid for s in page.collection] == ["SUB1"]
    assert page.next_page_token == "tok2"
    params = route.calls.last.request.url.params
    assert params["organization"] == ORG
    assert params["scope"] == "organization"
    assert params["page_token"] == "tok1"


async def test_reading_a_subscription_is_retried_after_a_5xx(
    calendly: CalendlyClient,
) -> None:
    disabled = {**SUBSCRIPTION, "state": "disabled"}
    with respx.mock(base_url=BASE) as wire:
        route = wire.get("/webhook_subscriptions/SUB1").mock(
            side_effect=[httpx.Response(502), httpx.Response(200, json={"resource": disabled})]
        )
        subscription = await calendly.get_webhook_subscription("SUB1")
    assert subscription.state == "disabled"
    assert route.call_count == 2


async def test_a_429_waits_for_retry_after(calendly: CalendlyClient, clock: FakeClock) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.get("/webhook_subscriptions/SUB1").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "2"}),
                httpx.Response(200, json={"resource": SUBSCRIPTION}),
            ]
        )
        await calendly.get_webhook_subscription("SUB1")
    assert clock.sleeps == [2.0]


async def test_a_timeout_is_retried_for_a_read(calendly: CalendlyClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.get("/webhook_subscriptions/SUB1").mock(
            side_effect=[
                httpx.ReadTimeout("slow"),
                httpx.Response(200, json={"resource": SUBSCRIPTION}),
            ]
        )
        await calendly.get_webhook_subscription("SUB1")
    assert route.call_count == 2


async def test_an_outage_opens_the_breaker(calendly: CalendlyClient, clock: FakeClock) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.get("/webhook_subscriptions/SUB1").respond(500)
        with pytest.raises(TransientError):
            await calendly.get_webhook_subscription("SUB1")
        with pytest.raises(CircuitOpen):
            await calendly.get_webhook_subscription("SUB1")
        assert route.call_count == 3
        clock.advance(5)
        route.return_value = httpx.Response(200, json={"resource": SUBSCRIPTION})
        await calendly.get_webhook_subscription("SUB1")
    assert calendly.policy.snapshot()["breaker"] == "closed"


async def test_deleting_a_subscription_sends_delete(calendly: CalendlyClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.delete("/webhook_subscriptions/SUB1").respond(204)
        await calendly.delete_webhook_subscription("SUB1")
    assert route.call_count == 1


def test_an_invitee_created_payload_parses_and_hides_personal_data() -> None:
    body = {
        "event": "invitee.created",
        "created_at": "2026-03-01T10:00:00.000000Z",
        "created_by": "https://api.calendly.com/users/U1",
        "payload": {
            "uri": "https://api.calendly.com/scheduled_events/E1/invitees/I1",
            "email": "ana@example.com",
            "name": "Ana Souza",
            "status": "active",
            "timezone": "America/Sao_Paulo",
            "event": "https://api.calendly.com/scheduled_events/E1",
            "text_reminder_number": "+15555550100",
            "rescheduled": False,
            "created_at": "2026-03-01T10:00:00.000000Z",
            "updated_at": "2026-03-01T10:00:00.000000Z",
            "cancel_url": "https://calendly.com/cancellations/I1",
            "reschedule_url": "https://calendly.com/reschedulings/I1",
            "questions_and_answers": [],
            "scheduled_event": {
                "uri": "https://api.calendly.com/scheduled_events/E1",
                "name": "Planning session",
                "status": "active",
                "start_time": "2026-03-05T15:30:00.000000Z",
                "end_time": "2026-03-05T16:00:00.000000Z",
                "event_type": "https://api.calendly.com/event_types/T1",
            },
        },
    }
    webhook = InviteeWebhook.model_validate(body)
    assert webhook.event is SubscriptionEvent.INVITEE_CREATED
    assert webhook.payload.scheduled_event is not None
    assert webhook.payload.scheduled_event.start_time.isoformat() == "2026-03-05T15:30:00+00:00"
    assert "ana@example.com" not in repr(webhook)
    assert "+15555550100" not in repr(webhook)


def test_an_invitee_canceled_payload_carries_the_cancellation() -> None:
    webhook = InviteeWebhook.model_validate(
        {
            "event": "invitee.canceled",
            "created_at": "2026-03-02T10:00:00Z",
            "payload": {
                "uri": "https://api.calendly.com/scheduled_events/E1/invitees/I1",
                "status": "canceled",
                "rescheduled": True,
                "new_invitee": "https://api.calendly.com/scheduled_events/E2/invitees/I2",
                "created_at": "2026-03-01T10:00:00Z",
                "cancellation": {
                    "canceled_by": "Ana Souza",
                    "reason": "conflict",
                    "canceler_type": "invitee",
                    "created_at": "2026-03-02T10:00:00Z",
                },
            },
        }
    )
    assert webhook.payload.rescheduled
    assert webhook.payload.cancellation is not None
    assert webhook.payload.cancellation.canceler_type == "invitee"


async def test_a_rate_limited_create_is_retried_because_it_was_not_processed(
    calendly: CalendlyClient,
) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/webhook_subscriptions").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "1"}),
                httpx.Response(201, json={"resource": SUBSCRIPTION}),
            ]
        )
        await calendly.create_webhook_subscription(
            url="https://gateway.test/x",
            events=[SubscriptionEvent.INVITEE_CREATED],
            organization=ORG,
            scope=SubscriptionScope.ORGANIZATION,
        )
    assert route.call_count == 2
