"""The simulated aggregation API: link, exchange, balances, sync paging, signed webhooks."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import jwt
import pytest

from connectors.aggregation import PlaidWebhookVerifier, WebhookVerificationKey
from connectors.errors import PermanentError, WebhookVerificationError
from tests.support.polling import eventually
from tests.support.simulator import (
    SimulatorHandle,
    WebhookRecorder,
    running_simulator,
    simulator_config,
)
from tests.unit.simulator.conftest import PLAID_AUTH

SANDBOX_LOGIN = {"username": "user_good", "password": "pass_good"}


async def call(client: httpx.AsyncClient, path: str, **body: Any) -> httpx.Response:
    return await client.post(path, json={**PLAID_AUTH, **body})


async def link(client: httpx.AsyncClient, **options: Any) -> dict[str, Any]:
    created = await call(
        client, "/sandbox/public_token/create", institution_id="ins_109508", options=options
    )
    exchanged = await call(
        client, "/item/public_token/exchange", public_token=created.json()["public_token"]
    )
    result: dict[str, Any] = exchanged.json()
    return result


def key_fetcher(client: httpx.AsyncClient):
    async def fetch(kid: str) -> WebhookVerificationKey:
        response = await call(client, "/webhook_verification_key/get", key_id=kid)
        if response.status_code != 200:
            raise PermanentError("plaid", "webhook_verification_key", status=response.status_code)
        return WebhookVerificationKey.model_validate(response.json()["key"])

    return fetch


async def test_a_public_token_is_exchanged_once_for_an_access_token_and_item(
    client: httpx.AsyncClient,
):
    public_token = (
        await call(client, "/sandbox/public_token/create", institution_id="ins_109509")
    ).json()["public_token"]

    first = await call(client, "/item/public_token/exchange", public_token=public_token)
    second = await call(client, "/item/public_token/exchange", public_token=public_token)

    assert public_token.startswith("public-sandbox-")
    assert first.status_code == 200
    assert first.json()["access_token"].startswith("access-sandbox-")
    assert first.json()["item_id"]
    assert second.status_code == 400
    assert second.json()["error_code"] == "INVALID_PUBLIC_TOKEN"


async def test_wrong_api_keys_and_unknown_access_tokens_get_plaid_error_objects(
    client: httpx.AsyncClient,
):
    bad_keys = await client.post(
        "/accounts/balance/get", json={"client_id": "x", "secret": "y", "access_token": "z"}
    )
    bad_token = await call(client, "/accounts/balance/get", access_token="access-sandbox-nope")

    assert bad_keys.status_code == 400
    assert (bad_keys.json()["error_type"], bad_keys.json()["error_code"]) == (
        "INVALID_INPUT",
        "INVALID_API_KEYS",
    )
    assert bad_token.json()["error_code"] == "INVALID_ACCESS_TOKEN"
    assert bad_token.json()["request_id"]


async def test_balances_are_json_numbers_with_cents_and_the_same_for_the_same_seed():
    balances = []
    for _ in range(2):
        async with running_simulator(simulator_config(seed=7)) as simulator:
            async with httpx.AsyncClient(base_url=simulator.url) as client:
                item = await link(client)
                response = await call(
                    client, "/accounts/balance/get", access_token=item["access_token"]
                )
        balances.append(response.text)

    assert balances[0] == balances[1]
    body = json.loads(balances[0], parse_float=Decimal)
    kinds = [(a["type"], a["subtype"]) for a in body["accounts"]]
    assert kinds == [
        ("depository", "checking"),
        ("depository", "savings"),
        ("credit", "credit card"),
    ]
    for account in body["accounts"]:
        assert isinstance(account["balances"]["current"], Decimal)
        assert account["balances"]["current"].as_tuple().exponent == -2
        assert account["balances"]["iso_currency_code"] == "USD"
    # Cents are written out, never through a float: "12.50", not "12.5".
    assert re.search(r'"current": -?\d+\.\d{2}[,}]', balances[0])


async def test_transactions_sync_pages_with_the_cursor_until_has_more_is_false(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    item = await link(client)
    cursor, added, pages = "", [], 0
    while True:
        page = (
            await call(
                client,
                "/transactions/sync",
                access_token=item["access_token"],
                cursor=cursor,
                count=25,
            )
        ).json()
        added += page["added"]
        cursor = page["next_cursor"]
        pages += 1
        if not page["has_more"]:
            break

    assert len(added) == 3 * simulator.config.transactions_per_account
    assert pages == -(-len(added) // 25)
    assert len({t["transaction_id"] for t in added}) == len(added)
    again = (
        await call(client, "/transactions/sync", access_token=item["access_token"], cursor=cursor)
    ).json()
    assert (again["added"], again["has_more"]) == ([], False)

    fired = await call(client, "/sandbox/item/fire_webhook", access_token=item["access_token"])
    fresh = (
        await call(client, "/transactions/sync", access_token=item["access_token"], cursor=cursor)
    ).json()
    assert fired.json()["webhook_fired"] is True
    assert len(fresh["added"]) == 3


async def test_a_scripted_mutation_fails_the_next_page_until_pagination_restarts(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    item = await link(client)
    token = item["access_token"]
    first = (await call(client, "/transactions/sync", access_token=token, count=10)).json()
    await client.post(
        f"/_admin/plaid/items/{item['item_id']}/mutation_during_pagination", json={"times": 1}
    )

    failed = await call(
        client, "/transactions/sync", access_token=token, cursor=first["next_cursor"]
    )
    restarted = await call(client, "/transactions/sync", access_token=token, count=10)

    assert failed.status_code == 400
    assert failed.json()["error_code"] == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
    assert restarted.status_code == 200


async def test_sync_updates_available_webhooks_verify_with_the_served_key(
    client: httpx.AsyncClient, recorder: WebhookRecorder
):
    item = await link(client, webhook=f"{recorder.url}/webhooks/plaid")

    async def webhook_arrived():
        assert recorder.at("/webhooks/plaid")

    await eventually(webhook_arrived, timeout=5)
    (hook,) = recorder.at("/webhooks/plaid")
    verifier = PlaidWebhookVerifier(key_fetcher(client))
    claims = await verifier.verify(hook.headers["Plaid-Verification"], hook.body)
    body = json.loads(hook.body)

    assert set(claims) == {"iat", "request_body_sha256"}
    assert body["webhook_type"] == "TRANSACTIONS"
    assert body["webhook_code"] == "SYNC_UPDATES_AVAILABLE"
    assert body["item_id"] == item["item_id"]
    with pytest.raises(WebhookVerificationError):
        await verifier.verify(
            hook.headers["Plaid-Verification"], hook.body.replace(b"true", b"false")
        )


async def test_after_a_key_rotation_webhooks_signed_with_the_retired_key_are_refused(
    client: httpx.AsyncClient, recorder: WebhookRecorder
):
    await link(client, webhook=f"{recorder.url}/webhooks/plaid")

    async def webhook_arrived():
        assert recorder.at("/webhooks/plaid")

    await eventually(webhook_arrived, timeout=5)
    old = recorder.at("/webhooks/plaid")[0]
    await client.post("/_admin/plaid/rotate_key")
    old_kid = jwt.get_unverified_header(old.headers["Plaid-Verification"])["kid"]
    retired = await call(client, "/webhook_verification_key/get", key_id=old_kid)

    assert retired.json()["key"]["expired_at"] is not None
    with pytest.raises(WebhookVerificationError, match="expired"):
        await PlaidWebhookVerifier(key_fetcher(client)).verify(
            old.headers["Plaid-Verification"], old.body
        )


async def test_the_hosted_link_page_returns_a_public_token_to_the_redirect_uri(
    client: httpx.AsyncClient,
):
    created = await call(
        client,
        "/link/token/create",
        client_name="Origin",
        language="en",
        country_codes=["US"],
        user={"client_user_id": "member-1"},
        products=["transactions"],
        redirect_uri="https://app.example/linked?step=2",
        hosted_link={},
    )
    link_token = created.json()["link_token"]

    page = await client.get("/link", params={"token": link_token})
    done = await client.post(
        "/link/complete",
        data={"token": link_token, "institution_id": "ins_109511", **SANDBOX_LOGIN},
    )

    assert created.json()["hosted_link_url"].endswith(f"/link?token={link_token}")
    assert page.status_code == 200
    assert "Tartan Bank" in page.text
    assert done.status_code == 302
    location = httpx.URL(done.headers["Location"])
    assert (location.host, location.params["step"]) == ("app.example", "2")
    exchanged = await call(
        client, "/item/public_token/exchange", public_token=location.params["public_token"]
    )
    assert exchanged.status_code == 200


async def test_without_a_redirect_the_link_page_shows_the_token_for_the_opener(
    client: httpx.AsyncClient,
):
    created = await call(
        client,
        "/link/token/create",
        client_name="Origin",
        language="en",
        country_codes=["US"],
        user={"client_user_id": "member-2"},
    )
    link_token = created.json()["link_token"]

    done = await client.post(
        "/link/complete",
        data={"token": link_token, "institution_id": "ins_109508", **SANDBOX_LOGIN},
    )

    assert done.status_code == 200
    token = re.search(r'id="public-token">([^<]+)<', done.text)
    assert token is not None and token.group(1).startswith("public-sandbox-")
    assert "postMessage" in done.text


async def test_an_unknown_link_token_gets_a_404_page(client: httpx.AsyncClient):
    assert (await client.get("/link", params={"token": "link-sandbox-nope"})).status_code == 404
