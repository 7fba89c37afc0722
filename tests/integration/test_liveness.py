"""Liveness (`/livez`) is not readiness (`/`): a broker outage makes a role unready, never dead.

Each role runs as a real process whose RabbitMQ connection goes through a TCP
proxy; cutting the proxy is the broker going away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.support.infra import free_port
from tests.support.polling import eventually
from tests.support.processes import RoleProcess
from tests.support.tcp_proxy import TcpProxy

ROLES = [
    ["-m", "bff"],
    ["-m", "gateway", "web"],
    ["-m", "gateway", "worker"],
    ["-m", "gateway", "scheduler"],
]


@pytest.fixture
def broker_proxy(run_amqp_url: str) -> Iterator[TcpProxy]:
    with TcpProxy.for_url(run_amqp_url) as proxy:
        yield proxy


@pytest.mark.parametrize("args", ROLES, ids=lambda args: " ".join(args[1:]))
async def test_with_the_broker_cut_livez_stays_200_while_readiness_names_rabbitmq(
    args, run_database_url, run_amqp_url, broker_proxy, tmp_path
):
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": run_database_url,
        "AMQP_URL": broker_proxy.url_through(run_amqp_url),
        # Long enough that a loaded machine still polls inside the drain (the port closes after).
        "DRAIN_SECONDS": "4",
        # A loaded 2-core machine can take longer than the 0.8 s default to answer the
        # Postgres check; the broker's check still fails at once (its connect is refused).
        "HEALTH_CHECK_TIMEOUT_SECONDS": "3",
    }
    role = RoleProcess(args, free_port(), env, tmp_path / "role.log").start()
    try:
        await asyncio.to_thread(role.wait_healthy)
        async with httpx.AsyncClient(base_url=role.url, timeout=5) as http:
            live = await http.get("/livez")
            assert live.status_code == 200
            assert live.json()["status"] == "ok"

            broker_proxy.cut()

            async def unready() -> dict:
                ready = await http.get("/")
                body = ready.json()
                assert ready.status_code == 503, body
                assert body["checks"]["postgres"]["status"] == "ok", body
                return body

            body = await eventually(unready, timeout=10)
            assert body["status"] == "fail"
            assert body["checks"]["rabbitmq"]["status"] == "fail"
            assert body["checks"]["postgres"]["status"] == "ok"
            for _ in range(5):  # and it stays alive for as long as the broker is away
                live = await http.get("/livez")
                assert live.status_code == 200, live.text
                assert live.json() == {
                    "status": "ok",
                    "service": body["service"],
                    "version": body["version"],
                }

            role.terminate()

            async def draining() -> None:
                for path in ("/", "/livez"):
                    response = await http.get(path)
                    assert response.status_code == 503, (path, response.text)
                    assert response.json()["status"] == "draining"

            await eventually(draining, timeout=1.2)
        assert await asyncio.to_thread(role.wait) == 0, role.output()
    finally:
        role.stop()


@pytest.mark.parametrize("args", ROLES, ids=lambda args: " ".join(args[1:]))
async def test_with_postgres_cut_every_role_stays_alive_and_is_ready_within_10_s_of_its_return(
    args, run_database_url, run_amqp_url, tmp_path
):
    with TcpProxy.for_url(run_database_url) as db_proxy:
        env = {
            "APP_ENV": "test",
            "DATABASE_URL": db_proxy.url_through(run_database_url),
            "AMQP_URL": run_amqp_url,
        }
        role = RoleProcess(args, free_port(), env, tmp_path / "role.log").start()
        try:
            await asyncio.to_thread(role.wait_healthy)
            async with httpx.AsyncClient(base_url=role.url, timeout=5) as http:
                db_proxy.cut()

                async def unready() -> dict:
                    ready = await http.get("/")
                    assert ready.status_code == 503, ready.text
                    return ready.json()

                body = await eventually(unready, timeout=10)
                assert body["checks"]["postgres"]["status"] == "fail"
                assert (await http.get("/livez")).status_code == 200
                await asyncio.sleep(3)  # an outage of a few seconds, as a restart is
                assert (await http.get("/livez")).status_code == 200

                db_proxy.restore()

                async def ready() -> None:
                    response = await http.get("/")
                    assert response.status_code == 200, response.text

                await eventually(ready, timeout=10)
            role.terminate()
            assert await asyncio.to_thread(role.wait) == 0, role.output()
        finally:
            role.stop()


async def test_livez_runs_no_dependency_check_so_a_hanging_one_leaves_it_200(
    aiohttp_client, settings
):
    from bff.app import create_app
    from shared.web.health import HEALTH_CHECKS

    app = create_app(settings)
    client = await aiohttp_client(app)

    async def hangs() -> None:
        await asyncio.sleep(30)

    app[HEALTH_CHECKS]["hanging"] = hangs
    ready, live = await asyncio.gather(client.get("/"), client.get("/livez"))
    assert ready.status == 503
    assert (await ready.json())["checks"]["hanging"]["status"] == "fail"
    assert live.status == 200
