"""Linked accounts through the real gateway internal API (in-process) and the simulator."""

from __future__ import annotations

import httpx
from aiohttp import DummyCookieJar

from bff.app import create_app
from gateway.web import create_app as create_gateway
from shared.database import transaction
from tests.integration.bff.builders import make_member, make_user, sign_in
from tests.support.infra import free_port
from tests.support.simulator import running_simulator, simulator_config


async def _public_token(simulator_url: str) -> str:
    config = simulator_config()
    async with httpx.AsyncClient(base_url=simulator_url, timeout=10) as http:
        response = await http.post(
            "/sandbox/public_token/create",
            json={
                "client_id": config.plaid_client_id,
                "secret": config.plaid_secret.get_secret_value(),
                "institution_id": "ins_109508",
                "initial_products": ["transactions"],
            },
        )
    response.raise_for_status()
    return str(response.json()["public_token"])


async def test_an_advisor_links_a_bank_and_refreshes_it_through_the_gateway(
    aiohttp_client, aiohttp_server, settings, pool
):
    async with running_simulator() as simulator:
        gateway_settings = settings.model_copy(update={"aggregation_base_url": simulator.url})
        gateway = await aiohttp_server(create_gateway(gateway_settings))
        bff_settings = settings.model_copy(
            update={"gateway_internal_url": str(gateway.make_url("")).rstrip("/")}
        )
        client = await aiohttp_client(create_app(bff_settings), cookie_jar=DummyCookieJar())
        advisor = await make_user(pool)
        session = await sign_in(client, advisor.email)
        member_id = await make_member(pool, advisor_id=advisor.id)

        token = await session.post(f"/api/v1/members/{member_id}/link-token")
        linked = await session.post(
            f"/api/v1/members/{member_id}/linked-items",
            json={"public_token": await _public_token(simulator.url)},
        )
        refresh = await session.post(f"/api/v1/members/{member_id}/accounts/refresh")
        screen = await (await session.get(f"/api/v1/members/{member_id}")).json()

    token_body, item = await token.json(), await linked.json()
    assert token.status == 201, token_body
    assert token_body["link_token"] and token_body["link_url"]
    assert linked.status == 201, item
    assert item["accounts"], item
    assert isinstance(item["accounts"][0]["current_balance"], str)
    assert refresh.status == 202
    assert (await refresh.json())["items"][0]["linked_item_id"] == item["id"]
    assert [i["id"] for i in screen["linked_items"]] == [item["id"]]
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT resource FROM audit_log WHERE member_id = %s AND action <> 'view'",
            (member_id,),
        )
        resources = {row[0] for row in await cur.fetchall()}
    assert {"link_token", "linked_item", "accounts_refresh"} <= resources


async def test_an_unreachable_gateway_answers_503_not_500(aiohttp_client, settings, pool):
    closed = settings.model_copy(update={"gateway_internal_url": f"http://127.0.0.1:{free_port()}"})
    client = await aiohttp_client(create_app(closed), cookie_jar=DummyCookieJar())
    advisor = await make_user(pool)
    session = await sign_in(client, advisor.email)
    member_id = await make_member(pool, advisor_id=advisor.id)

    response = await session.post(f"/api/v1/members/{member_id}/link-token")

    assert response.status == 503
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1


async def test_a_gateway_that_fails_answers_502(aiohttp_client, settings, pool):
    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"title": "boom"})

    client = await aiohttp_client(
        create_app(settings, gateway_transport=httpx.MockTransport(failing)),
        cookie_jar=DummyCookieJar(),
    )
    advisor = await make_user(pool)
    session = await sign_in(client, advisor.email)
    member_id = await make_member(pool, advisor_id=advisor.id)

    response = await session.post(
        f"/api/v1/members/{member_id}/linked-items", json={"public_token": "public-x"}
    )

    assert response.status == 502
