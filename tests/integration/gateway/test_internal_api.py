"""The internal API the bff calls: service token, link, exchange, sync, provider failures."""

import json
import uuid
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from connectors.aggregation import AccessTokenCipher
from tests.integration.gateway import builders
from tests.integration.gateway.conftest import SERVICE_TOKEN
from tests.support.polling import eventually

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def client_for(gateway, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=gateway.web_url, timeout=30, **kwargs)


async def public_token(simulator) -> str:
    async with httpx.AsyncClient(base_url=simulator.url) as client:
        response = await client.post(
            "/sandbox/public_token/create",
            json={
                "client_id": "simulator-plaid-client-id",
                "secret": "simulator-plaid-secret",
                "institution_id": "ins_109508",
                "initial_products": ["transactions"],
            },
        )
    response.raise_for_status()
    return str(response.json()["public_token"])


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {SERVICE_TOKEN}"}],
    ids=["missing", "wrong", "wrong scheme"],
)
async def test_every_internal_route_refuses_a_caller_without_the_service_token(gateway, headers):
    member = uuid.uuid4()
    async with client_for(gateway) as client:
        responses = [
            await client.post(f"/internal/v1/members/{member}/link-token", headers=headers),
            await client.post(
                f"/internal/v1/members/{member}/linked-items",
                json={"public_token": "x"},
                headers=headers,
            ),
            await client.post(f"/internal/v1/linked-items/{member}/sync", headers=headers),
        ]
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert all(r.headers["Content-Type"].startswith("application/problem+json") for r in responses)


async def test_a_public_token_not_sent_as_json_answers_415(gateway, pool):
    member_id, _ = await builders.member(pool)
    async with client_for(gateway, headers=AUTH) as client:
        response = await client.post(
            f"/internal/v1/members/{member_id}/linked-items",
            content=b'{"public_token": "public-sandbox-x"}',
            headers={"Content-Type": "text/plain"},
        )

    assert response.status_code == 415
    assert response.headers["Content-Type"].startswith("application/problem+json")


async def test_a_link_token_points_at_the_providers_hosted_link_page(gateway, pool):
    member_id, _ = await builders.member(pool)
    async with client_for(gateway, headers=AUTH) as client:
        created = await client.post(f"/internal/v1/members/{member_id}/link-token")
        unknown = await client.post(f"/internal/v1/members/{uuid.uuid4()}/link-token")
        not_a_uuid = await client.post("/internal/v1/members/nope/link-token")
        page = await client.get(created.json()["link_url"])

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"link_token", "link_url", "expiration"}
    assert body["link_url"].startswith(f"{gateway.simulator.url}/link?token=")
    assert page.status_code == 200
    assert [unknown.status_code, not_a_uuid.status_code] == [404, 404]


async def test_link_exchange_and_sync_put_accounts_balances_and_transactions_in_postgres(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    member_id, _ = await builders.member(pool)
    token = await public_token(gateway.simulator)

    async with client_for(gateway, headers=AUTH) as client:
        response = await client.post(
            f"/internal/v1/members/{member_id}/linked-items", json={"public_token": token}
        )

    assert response.status_code == 201, response.text
    item = response.json()
    assert item["status"] == "active"
    assert item["institution_name"] == "First Platypus Bank"  # ins_109508, by its id
    assert item["accounts"], "balances are fetched during the exchange"
    account = item["accounts"][0]
    assert set(account) == {
        "id",
        "name",
        "mask",
        "type",
        "subtype",
        "current_balance",
        "available_balance",
        "currency",
    }
    assert isinstance(account["current_balance"], str) and Decimal(account["current_balance"])

    stored = await builders.scalar(
        pool, "SELECT access_token_encrypted FROM linked_items WHERE id = %s", item["id"]
    )
    cipher = AccessTokenCipher(
        SecretStr(gateway.settings.access_token_encryption_keys.get_secret_value())
    )
    assert cipher.decrypt(stored.encode()).get_secret_value().startswith("access-")
    assert "access-" not in stored
    assert len(await builders.outbox_events(pool, "accounts.sync_requested", item["id"])) == 1

    async def synced():
        row = await builders.scalar(
            pool,
            "SELECT (sync_status, transactions_cursor IS NOT NULL,"
            " last_synced_at IS NOT NULL)::text FROM linked_items WHERE id = %s",
            item["id"],
        )
        assert row == "(idle,t,t)"
        count = await builders.scalar(
            pool,
            "SELECT count(*) FROM transactions t JOIN accounts a ON a.id = t.account_id"
            " WHERE a.linked_item_id = %s",
            item["id"],
        )
        assert count > 0
        done = await builders.outbox_events(pool, "accounts.synced", item["id"])
        assert done
        return json.loads(done[0])["data"]

    synced_data = await eventually(synced, timeout=20)
    assert synced_data["member_id"] == str(member_id)

    async with client_for(gateway, headers=AUTH) as client:
        again = await client.post(f"/internal/v1/linked-items/{item['id']}/sync")
        unknown = await client.post(f"/internal/v1/linked-items/{uuid.uuid4()}/sync")
    assert again.status_code == 202
    assert again.json() == {"linked_item_id": item["id"], "sync_status": "syncing"}
    assert unknown.status_code == 404


async def test_provider_failures_are_503_or_502_problems_never_500(gateway, pool):
    member_id, _ = await builders.member(pool)
    admin = gateway.simulator.admin
    async with client_for(gateway, headers=AUTH) as client:
        await admin.set_faults({"prefix": "/link/token/create", "status": 503})
        unavailable = await client.post(f"/internal/v1/members/{member_id}/link-token")
        await admin.set_faults({"prefix": "/link/token/create", "status": 400})
        refused = await client.post(f"/internal/v1/members/{member_id}/link-token")
        await admin.clear_faults()
        bad_token = await client.post(
            f"/internal/v1/members/{member_id}/linked-items", json={"public_token": "public-bogus"}
        )
        bad_body = await client.post(
            f"/internal/v1/members/{member_id}/linked-items", json={"token": 1}
        )

    assert unavailable.status_code == 503
    assert unavailable.headers["Retry-After"]
    assert unavailable.json()["provider"] == "plaid"
    assert refused.status_code == 502
    assert bad_token.status_code == 422
    assert bad_body.status_code == 422
