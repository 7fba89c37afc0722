"""Our clients against real-shaped answers: unknown fields tolerated, missing ones named.

Providers add fields without notice, so an answer with extra fields parses. An answer
missing a field we need, or with one of the wrong type, is `UnexpectedResponse` naming the
field (never its value, which can be personal data), raised at the client, not deep in a
flow. Each provider's recorded answer (tests/contract_providers/fixtures) is the base.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.aggregation import AggregationConfig, PlaidClient
from connectors.bookings import CalendlyClient, SchedulingConfig, SubscriptionScope
from connectors.errors import PermanentError, UnexpectedResponse
from connectors.policy import PolicySettings
from connectors.retry import RetrySettings
from connectors.sms import SmsConfig, TwilioSmsClient
from shared.settings import AppEnv

FIXTURES = Path(__file__).parents[2] / "contract_providers" / "fixtures"
NO_RETRY = PolicySettings(retry=RetrySettings(max_attempts=1))
PLAID = "https://plaid.test"
TWILIO = "https://twilio.test"
CALENDLY = "https://calendly.test"
ACCESS = SecretStr("access-sandbox-1")


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def with_extras(value: Any) -> Any:
    """`value` with an unknown field added to every object, as a provider might tomorrow."""
    if isinstance(value, dict):
        return {**{k: with_extras(v) for k, v in value.items()}, "added_next_year": {"x": [1]}}
    if isinstance(value, list):
        return [with_extras(item) for item in value]
    return value


def plaid_client(http: httpx.AsyncClient) -> PlaidClient:
    config = AggregationConfig(
        base_url=PLAID, client_id="c", secret=SecretStr("s"), policy=NO_RETRY
    )
    return PlaidClient(http, config)


async def balances(answer: dict[str, Any]) -> Any:
    with respx.mock(base_url=PLAID) as wire:
        wire.post("/accounts/balance/get").respond(200, json=answer)
        async with httpx.AsyncClient() as http:
            return await plaid_client(http).get_balances(ACCESS)


async def test_every_recorded_plaid_answer_parses_with_unknown_fields_added():
    calls: dict[str, tuple[str, Callable[[PlaidClient], Awaitable[Any]]]] = {
        "plaid_link_token_create": ("/link/token/create", lambda c: c.create_link_token("m")),
        "plaid_item_public_token_exchange": (
            "/item/public_token/exchange",
            lambda c: c.exchange_public_token("public-1"),
        ),
        "plaid_accounts_balance_get": ("/accounts/balance/get", lambda c: c.get_balances(ACCESS)),
        "plaid_transactions_sync": ("/transactions/sync", lambda c: c.sync_transactions(ACCESS)),
        "plaid_webhook_verification_key_get": (
            "/webhook_verification_key/get",
            lambda c: c.get_webhook_verification_key("kid"),
        ),
    }
    for name, (path, call) in calls.items():
        with respx.mock(base_url=PLAID) as wire:
            wire.post(path).respond(200, json=with_extras(fixture(name)))
            async with httpx.AsyncClient() as http:
                assert await call(plaid_client(http)) is not None, name


async def test_a_balance_answer_missing_a_required_field_names_it():
    answer = fixture("plaid_accounts_balance_get")
    del answer["accounts"][1]["account_id"]

    with pytest.raises(UnexpectedResponse) as raised:
        await balances(answer)

    assert raised.value.fields == ("accounts.1.account_id",)
    assert isinstance(raised.value, PermanentError) and raised.value.status == 200
    assert "accounts.1.account_id" in str(raised.value)


async def test_a_mistyped_amount_is_named_and_its_value_never_quoted():
    answer = fixture("plaid_transactions_sync")
    answer["added"][0]["amount"] = "twelve dollars to ana@example.com"

    with respx.mock(base_url=PLAID) as wire:
        wire.post("/transactions/sync").respond(200, json=answer)
        async with httpx.AsyncClient() as http:
            with pytest.raises(UnexpectedResponse) as raised:
                await plaid_client(http).sync_transactions(ACCESS)

    assert raised.value.fields == ("added.0.amount",)
    assert "ana@example.com" not in str(raised.value)


async def test_a_body_that_is_not_json_is_an_unexpected_response():
    with respx.mock(base_url=PLAID) as wire:
        wire.post("/accounts/balance/get").respond(200, content=b"<html>maintenance</html>")
        async with httpx.AsyncClient() as http:
            with pytest.raises(UnexpectedResponse) as raised:
                await plaid_client(http).get_balances(ACCESS)

    assert raised.value.fields == ()


def sms_client(http: httpx.AsyncClient) -> TwilioSmsClient:
    config = SmsConfig(
        base_url=TWILIO,
        account_sid="AC1",
        auth_token=SecretStr("t"),
        from_number="+15550009999",
        policy=NO_RETRY,
    )
    return TwilioSmsClient(http, config, app_env=AppEnv.STAGING)


async def test_the_recorded_twilio_answer_parses_with_extras_and_without_sid_is_named():
    answer = fixture("twilio_message_create")
    with respx.mock(base_url=TWILIO) as wire:
        route = wire.post("/2010-04-01/Accounts/AC1/Messages.json")
        route.respond(201, json=with_extras(answer))
        async with httpx.AsyncClient() as http:
            sent = await sms_client(http).send("+15551230001", "hi")
            assert sent.sid == answer["sid"]
            route.respond(201, json={k: v for k, v in answer.items() if k != "sid"})
            with pytest.raises(UnexpectedResponse) as raised:
                await sms_client(http).send("+15551230001", "hi")

    assert raised.value.fields == ("sid",)


async def test_the_recorded_calendly_answers_parse_with_extras_and_a_bad_state_is_named():
    resource = fixture("calendly_webhook_subscription")
    uuid = resource["resource"]["uri"].rsplit("/", 1)[-1]
    config = SchedulingConfig(base_url=CALENDLY, api_token=SecretStr("t"), policy=NO_RETRY)
    with respx.mock(base_url=CALENDLY) as wire:
        route = wire.get(f"/webhook_subscriptions/{uuid}")
        route.respond(200, json=with_extras(resource))
        wire.get("/webhook_subscriptions").respond(
            200, json=with_extras(fixture("calendly_webhook_subscription_list"))
        )
        async with httpx.AsyncClient() as http:
            client = CalendlyClient(http, config)
            assert (await client.get_webhook_subscription(uuid)).state == "active"
            page = await client.list_webhook_subscriptions(
                organization="https://calendly.test/organizations/O",
                scope=SubscriptionScope.ORGANIZATION,
            )
            assert len(page.collection) == 1
            route.respond(200, json={"resource": {**resource["resource"], "state": "paused"}})
            with pytest.raises(UnexpectedResponse) as raised:
                await client.get_webhook_subscription(uuid)

    assert raised.value.fields == ("resource.state",)
