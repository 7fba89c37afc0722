"""The aggregation client against a mocked wire: shapes, money, sync paging, limits, failures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.aggregation import AccountAggregator, AggregationConfig, PlaidClient
from connectors.breaker import BreakerSettings
from connectors.errors import (
    AuthenticationError,
    CircuitOpen,
    PermanentError,
    RateLimited,
    TransientError,
)
from connectors.policy import PolicySettings, ProviderPolicy
from connectors.retry import RetrySettings
from tests.unit.connectors.conftest import FakeClock

BASE = "http://127.0.0.1:8090/plaid"
SECRET = "plaid-secret-for-tests"
ACCESS = SecretStr("access-sandbox-0a1b2c3d-0000-0000-0000-000000000001")


def plaid_error(error_type: str, code: str) -> dict[str, Any]:
    return {
        "error_type": error_type,
        "error_code": code,
        "error_message": "something about ana@example.com",
        "display_message": None,
        "request_id": "req",
    }


def txn(n: int, amount: str = "12.34") -> dict[str, Any]:
    return {
        "transaction_id": f"t{n}",
        "account_id": "acc1",
        "amount": json.loads(amount),
        "iso_currency_code": "USD",
        "date": "2026-02-01",
        "name": "COFFEE SHOP",
        "pending": False,
    }


def page(added: list[dict[str, Any]], cursor: str, has_more: bool) -> dict[str, Any]:
    return {
        "added": added,
        "modified": [],
        "removed": [],
        "next_cursor": cursor,
        "has_more": has_more,
        "request_id": "req",
    }


@pytest.fixture
async def plaid(clock: FakeClock) -> AsyncIterator[PlaidClient]:
    policy = ProviderPolicy(
        "plaid",
        PolicySettings(
            retry=RetrySettings(max_attempts=3, budget_floor=100),
            breaker=BreakerSettings(consecutive_failures=3),
        ),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
    )
    config = AggregationConfig(
        base_url=BASE,
        client_id="client-1",
        secret=SecretStr(SECRET),
        webhook_url="https://gateway.test/webhooks/aggregation",
    )
    async with httpx.AsyncClient() as http:
        yield PlaidClient(http, config, policy=policy)


async def test_a_link_token_is_created_with_credentials_in_headers(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/link/token/create").respond(
            200,
            json={
                "link_token": "link-sandbox-af1a0311-da53-4636-b754-dd15cc058176",
                "expiration": "2026-03-01T16:00:00Z",
                "hosted_link_url": "https://secure.plaid.test/hl/abc",
                "request_id": "req",
            },
        )
        token = await plaid.create_link_token("member-42")
    assert token.link_token.startswith("link-sandbox-")
    assert token.hosted_link_url == "https://secure.plaid.test/hl/abc"
    request = route.calls.last.request
    assert request.headers["PLAID-CLIENT-ID"] == "client-1"
    assert request.headers["PLAID-SECRET"] == SECRET
    body = json.loads(request.content)
    assert body["user"] == {"client_user_id": "member-42"}
    assert body["products"] == ["transactions"]
    assert body["webhook"] == "https://gateway.test/webhooks/aggregation"
    assert body["hosted_link"] == {}
    assert SECRET not in request.content.decode()
    assert "link-sandbox" not in repr(token)


async def test_the_institution_name_comes_from_the_items_institution(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/item/get").respond(
            200, json={"item": {"item_id": "item-1", "institution_id": "ins_109508"}}
        )
        lookup = wire.post("/institutions/get_by_id").respond(
            200, json={"institution": {"institution_id": "ins_109508", "name": "First Platypus"}}
        )
        name = await plaid.get_institution_name(ACCESS)
    assert name == "First Platypus"
    assert json.loads(lookup.calls.last.request.content) == {
        "institution_id": "ins_109508",
        "country_codes": ["US"],
    }


async def test_an_item_without_an_institution_has_no_name(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/item/get").respond(200, json={"item": {"item_id": "item-1"}})
        assert await plaid.get_institution_name(ACCESS) is None


async def test_a_link_token_without_its_hosted_page_is_an_unexpected_answer(
    plaid: PlaidClient,
) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/link/token/create").respond(
            200, json={"link_token": "link-sandbox-1", "expiration": "2026-03-01T16:00:00Z"}
        )
        with pytest.raises(PermanentError):
            await plaid.create_link_token("member-42")


async def test_a_public_token_is_exchanged_for_a_secret_access_token(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/item/public_token/exchange").respond(
            200,
            json={
                "access_token": ACCESS.get_secret_value(),
                "item_id": "item-1",
                "request_id": "r",
            },
        )
        access = await plaid.exchange_public_token("public-sandbox-1")
    assert access.item_id == "item-1"
    assert access.access_token == ACCESS
    assert ACCESS.get_secret_value() not in repr(access)


async def test_balances_are_decimal_money(plaid: PlaidClient) -> None:
    account = {
        "account_id": "acc1",
        "name": "Checking",
        "mask": "0000",
        "type": "depository",
        "subtype": "checking",
        "balances": {
            "available": 100.1,
            "current": 110.2,
            "limit": None,
            "iso_currency_code": "USD",
        },
    }
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/accounts/balance/get").respond(
            200, content=json.dumps({"accounts": [account], "item": {}, "request_id": "r"}).encode()
        )
        accounts = await plaid.get_balances(ACCESS, account_ids=["acc1"])
    assert accounts[0].balances.available == Decimal("100.1")
    assert accounts[0].balances.current == Decimal("110.2")
    assert json.loads(route.calls.last.request.content)["options"] == {"account_ids": ["acc1"]}


async def test_balance_refresh_is_limited_to_five_a_minute_per_linked_login(
    plaid: PlaidClient, clock: FakeClock
) -> None:
    other = SecretStr("access-sandbox-0a1b2c3d-0000-0000-0000-000000000002")
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/accounts/balance/get").respond(200, json={"accounts": []})
        for _ in range(5):
            await plaid.get_balances(ACCESS)
        with pytest.raises(RateLimited) as raised:
            await plaid.get_balances(ACCESS)
        await plaid.get_balances(other)
        clock.advance(60)
        await plaid.get_balances(ACCESS)
    assert raised.value.retry_after == pytest.approx(60.0)
    assert route.call_count == 7


async def test_sync_pages_while_has_more_and_returns_the_last_cursor(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/transactions/sync").mock(
            side_effect=[
                httpx.Response(200, json=page([txn(1)], "c1", True)),
                httpx.Response(200, json=page([txn(2)], "c2", True)),
                httpx.Response(200, json=page([txn(3, "-5.5")], "c3", False)),
            ]
        )
        result = await plaid.sync_transactions(ACCESS, cursor="c0")
    assert [t.transaction_id for t in result.added] == ["t1", "t2", "t3"]
    assert result.added[2].amount == Decimal("-5.5")
    assert result.next_cursor == "c3"
    assert result.pages == 3
    sent = [json.loads(call.request.content).get("cursor") for call in route.calls]
    assert sent == ["c0", "c1", "c2"]


async def test_a_first_sync_sends_no_cursor(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/transactions/sync").respond(200, json=page([], "c1", False))
        await plaid.sync_transactions(ACCESS)
    assert "cursor" not in json.loads(route.calls.last.request.content)


async def test_a_mutation_during_pagination_restarts_from_the_first_cursor(
    plaid: PlaidClient,
) -> None:
    mutation = plaid_error("TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/transactions/sync").mock(
            side_effect=[
                httpx.Response(200, json=page([txn(1)], "c1", True)),
                httpx.Response(400, json=mutation),
                httpx.Response(200, json=page([txn(1), txn(2)], "c1b", True)),
                httpx.Response(200, json=page([txn(3)], "c2b", False)),
            ]
        )
        result = await plaid.sync_transactions(ACCESS, cursor="c0")
    assert [t.transaction_id for t in result.added] == ["t1", "t2", "t3"]
    assert result.next_cursor == "c2b"
    assert result.restarts == 1
    sent = [json.loads(call.request.content).get("cursor") for call in route.calls]
    assert sent == ["c0", "c1", "c0", "c1b"]


async def test_endless_mutations_give_up_as_transient(plaid: PlaidClient) -> None:
    mutation = plaid_error("TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION")
    with respx.mock(base_url=BASE) as wire:
        wire.post("/transactions/sync").respond(400, json=mutation)
        with pytest.raises(TransientError) as raised:
            await plaid.sync_transactions(ACCESS, cursor="c0")
    assert raised.value.code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


async def test_a_5xx_page_is_retried_within_the_sync(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/transactions/sync").mock(
            side_effect=[
                httpx.Response(500, json=plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR")),
                httpx.Response(200, json=page([txn(1)], "c1", False)),
            ]
        )
        result = await plaid.sync_transactions(ACCESS)
    assert route.call_count == 2
    assert result.next_cursor == "c1"


async def test_an_item_error_is_permanent_and_not_retried(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/accounts/balance/get").respond(
            400, json=plaid_error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
        )
        with pytest.raises(PermanentError) as raised:
            await plaid.get_balances(ACCESS)
    assert route.call_count == 1
    assert raised.value.code == "ITEM_LOGIN_REQUIRED"
    assert "ana@example.com" not in str(raised.value)


async def test_invalid_api_keys_are_an_authentication_error(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/link/token/create").respond(
            400, json=plaid_error("INVALID_INPUT", "INVALID_API_KEYS")
        )
        with pytest.raises(AuthenticationError) as raised:
            await plaid.create_link_token("member-42")
    assert SECRET not in str(raised.value)


async def test_a_rate_limit_error_waits_for_retry_after(
    plaid: PlaidClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=BASE) as wire:
        wire.post("/link/token/create").mock(
            side_effect=[
                httpx.Response(
                    429,
                    headers={"Retry-After": "3"},
                    json=plaid_error("RATE_LIMIT_EXCEEDED", "RATE_LIMIT"),
                ),
                httpx.Response(
                    200,
                    json={
                        "link_token": "link-x",
                        "expiration": "2026-03-01T16:00:00Z",
                        "hosted_link_url": "https://secure.plaid.test/hl/x",
                    },
                ),
            ]
        )
        await plaid.create_link_token("member-42")
    assert clock.sleeps == [3.0]


async def test_an_exchange_that_timed_out_is_not_repeated(plaid: PlaidClient) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/item/public_token/exchange").mock(side_effect=httpx.ReadTimeout("x"))
        with pytest.raises(TransientError):
            await plaid.exchange_public_token("public-sandbox-1")
    assert route.call_count == 1


async def test_an_outage_opens_the_breaker_then_a_probe_closes_it(
    plaid: PlaidClient, clock: FakeClock
) -> None:
    with respx.mock(base_url=BASE) as wire:
        route = wire.post("/transactions/sync").respond(
            503, json=plaid_error("API_ERROR", "PLANNED_MAINTENANCE")
        )
        with pytest.raises(TransientError):
            await plaid.sync_transactions(ACCESS)
        with pytest.raises(CircuitOpen):
            await plaid.sync_transactions(ACCESS)
        assert route.call_count == 3
        clock.advance(5)
        route.return_value = httpx.Response(200, json=page([], "c1", False))
        await plaid.sync_transactions(ACCESS)
    assert plaid.policy.snapshot()["breaker"] == "closed"


async def test_the_budget_stops_a_retry_storm(clock: FakeClock) -> None:
    policy = ProviderPolicy(
        "plaid",
        PolicySettings(
            retry=RetrySettings(max_attempts=3, budget_ratio=0.1, budget_floor=5),
            # A breaker that never opens, to show the budget alone holds retries down.
            breaker=BreakerSettings(consecutive_failures=10_000, min_calls=10_000),
        ),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.0,
    )
    config = AggregationConfig(base_url=BASE, client_id="c", secret=SecretStr(SECRET))
    calls = 300
    async with httpx.AsyncClient() as http:
        plaid = PlaidClient(http, config, policy=policy)
        with respx.mock(base_url=BASE) as wire:
            route = wire.post("/webhook_verification_key/get").respond(502)
            for _ in range(calls):
                with pytest.raises(TransientError):
                    await plaid.get_webhook_verification_key("kid")
                clock.advance(0.02)  # 50 calls a second
    assert route.call_count <= calls * 1.1 + 5


def test_the_client_satisfies_the_aggregator_protocol(plaid: PlaidClient) -> None:
    aggregator: AccountAggregator = plaid
    assert aggregator is not None
