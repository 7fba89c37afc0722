"""A Postgres outage answers 503 problem+json with Retry-After, and the role recovers by itself.

The bff reaches Postgres through a TCP proxy; cutting it resets every pooled
connection and refuses new ones, as a database restart looks to its clients.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bff.app import create_app
from bff.web.limits import Limits
from shared.database import Pool
from shared.settings import Settings
from tests.integration.bff.builders import PASSWORD, Session, make_user, sign_in
from tests.support.polling import eventually
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def db_proxy(run_database_url: str) -> Iterator[TcpProxy]:
    with TcpProxy.for_url(run_database_url) as proxy:
        yield proxy


@pytest.fixture
async def bff(aiohttp_client, settings: Settings, db_proxy: TcpProxy) -> AsyncIterator[TestClient]:
    through_proxy = db_proxy.url_through(settings.database_url.get_secret_value())
    app = create_app(
        settings.model_copy(update={"database_url": SecretStr(through_proxy)}),
        limits=Limits(client_ip_header="X-Forwarded-For"),
    )
    yield await aiohttp_client(app, cookie_jar=DummyCookieJar())


@pytest.fixture
async def advisor(bff: TestClient, pool: Pool) -> Session:
    user = await make_user(pool, "advisor")
    return await sign_in(bff, user.email)


def _assert_unavailable(response, body: dict) -> None:
    assert response.status == 503, body
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert body["status"] == 503
    assert body["title"] == "Service Unavailable"
    assert "127.0.0.1" not in str(body) and "postgres" not in str(body).lower()


async def test_a_database_outage_answers_503_with_retry_after_on_reads_and_sign_in(
    bff: TestClient, advisor: Session, pool: Pool, db_proxy: TcpProxy
):
    other = await make_user(pool, "advisor")
    assert (await advisor.get("/api/v1/members")).status == 200

    db_proxy.cut()
    listed = await advisor.get("/api/v1/members")
    _assert_unavailable(listed, await listed.json())
    login = await bff.post("/api/v1/auth/login", json={"email": other.email, "password": PASSWORD})
    _assert_unavailable(login, await login.json())


async def test_the_bff_answers_200_within_10_seconds_of_the_database_coming_back(
    bff: TestClient, advisor: Session, db_proxy: TcpProxy
):
    db_proxy.cut()
    assert (await advisor.get("/api/v1/members")).status == 503
    db_proxy.restore()
    restored = time.monotonic()

    async def listed() -> None:
        response = await advisor.get("/api/v1/members")
        assert response.status == 200, await response.text()

    await eventually(listed, timeout=10)
    assert time.monotonic() - restored < 10


async def test_a_database_behind_a_partition_answers_503_after_the_pool_timeout_not_never(
    bff: TestClient, advisor: Session, db_proxy: TcpProxy
):
    # Nothing is refused or reset: packets just stop, as when a failed-over host vanishes.
    db_proxy.freeze()
    started = time.monotonic()
    response = await advisor.get("/api/v1/members")
    waited = time.monotonic() - started
    _assert_unavailable(response, await response.json())
    assert waited < 12  # the pool's 10 s timeout, not the client's patience
    db_proxy.restore()

    async def listed() -> None:
        response = await advisor.get("/api/v1/members")
        assert response.status == 200, await response.text()

    await eventually(listed, timeout=10)


async def test_connections_that_died_in_a_restart_are_never_handed_out(
    bff: TestClient, advisor: Session, db_proxy: TcpProxy
):
    # Fill the pool with several idle connections, then restart "Postgres" under them.
    statuses = await asyncio.gather(*(advisor.get("/api/v1/members") for _ in range(6)))
    assert [response.status for response in statuses] == [200] * 6
    db_proxy.cut()
    db_proxy.restore()
    await asyncio.sleep(0.2)  # the cut reached the pooled sockets; nothing else to wait for

    for _ in range(8):  # more requests than the pool held: every one gets a live connection
        response = await advisor.get("/api/v1/members")
        assert response.status == 200, await response.text()


async def test_a_route_that_needs_the_broker_answers_503_while_it_is_cut_and_200_after(
    aiohttp_client, settings: Settings, run_amqp_url: str
):
    from aiohttp import web

    from shared.web.keys import BROKER

    with TcpProxy.for_url(run_amqp_url) as broker_proxy:
        app = create_app(
            settings.model_copy(
                update={"amqp_url": SecretStr(broker_proxy.url_through(run_amqp_url))}
            )
        )

        async def needs_broker(request: web.Request) -> web.Response:
            channel = await request.app[BROKER].channel(timeout=0.5)
            await channel.close()
            return web.json_response({"ok": True})

        app.router.add_get("/probe/broker", needs_broker)
        client = await aiohttp_client(app)

        async def answers(status: int) -> None:
            response = await client.get("/probe/broker")
            assert response.status == status, await response.text()

        await eventually(lambda: answers(200), timeout=10)
        broker_proxy.cut()
        await eventually(lambda: answers(503), timeout=5)
        response = await client.get("/probe/broker")
        _assert_unavailable(response, await response.json())
        broker_proxy.restore()
        await eventually(lambda: answers(200), timeout=10)


async def test_the_gateway_internal_api_answers_503_during_a_database_outage(
    aiohttp_client, settings: Settings, db_proxy: TcpProxy
):
    import uuid

    from gateway import web as gateway_web

    token = "outage-test-internal-service-token"
    app = gateway_web.create_app(
        settings.model_copy(
            update={
                "database_url": SecretStr(
                    db_proxy.url_through(settings.database_url.get_secret_value())
                ),
                "internal_service_token": SecretStr(token),
            }
        )
    )
    client = await aiohttp_client(app)
    path = f"/internal/v1/members/{uuid.uuid4()}/link-token"
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post(path, headers=headers)).status == 404  # unknown member

    db_proxy.cut()
    response = await client.post(path, headers=headers)
    _assert_unavailable(response, await response.json())
    db_proxy.restore()

    async def back() -> None:
        assert (await client.post(path, headers=headers)).status == 404

    await eventually(back, timeout=10)


async def test_a_query_past_the_statement_timeout_answers_503_not_a_dropped_connection(
    aiohttp_client, settings: Settings
):
    from aiohttp import web

    from shared.database import connection_cursor, transaction
    from shared.web.keys import POOL

    app = create_app(settings.model_copy(update={"db_statement_timeout_ms": 200}))

    async def slow(request: web.Request) -> web.Response:
        if request.query.get("in") == "transaction":
            async with transaction(request.app[POOL]) as cur:
                await cur.execute("SELECT pg_sleep(2)")
        else:
            async with connection_cursor(request.app[POOL]) as cur:
                await cur.execute("SELECT pg_sleep(2)")
        return web.json_response({})

    async def quick(request: web.Request) -> web.Response:
        async with transaction(request.app[POOL]) as cur:
            await cur.execute("SELECT 1")
            return web.json_response({"one": (await cur.fetchone())[0]})

    app.router.add_get("/probe/slow", slow)
    app.router.add_get("/probe/quick", quick)
    client = await aiohttp_client(app)

    for query in ({}, {"in": "transaction"}):
        response = await client.get("/probe/slow", params=query)
        _assert_unavailable(response, await response.json())
    # The connections the timeouts hit are usable again (the transaction was rolled back).
    for _ in range(3):
        assert await (await client.get("/probe/quick")).json() == {"one": 1}
