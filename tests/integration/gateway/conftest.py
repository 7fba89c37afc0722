"""The gateway's roles in-process on free ports, wired to an in-process provider simulator."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from gateway import web as gateway_web
from gateway import worker as gateway_worker
from shared.settings import Settings
from shared.web.keys import BROKER, RELAY
from tests.support.infra import free_port
from tests.support.polling import eventually
from tests.support.simulator import SimulatorHandle, running_simulator, simulator_config

SERVICE_TOKEN = "test-internal-service-token"
OPS_PASSWORD = "test-ops-password"


@dataclass
class Gateway:
    """The running roles and the simulator of one test."""

    settings: Settings
    simulator: SimulatorHandle
    web_url: str
    web: TestServer
    worker: TestServer | None = None


async def started(app: web.Application) -> None:
    """Wait until the broker connection and the relay's LISTEN connection are open.

    Stopping a role while the relay is still opening its LISTEN connection can
    leave a cancelled aiopg connect that never finishes (reported to the lead);
    fast tests would hit it.
    """
    await app[BROKER].connection(timeout=10)
    if RELAY not in app:  # OUTBOX_RELAY_ENABLED=false: another role publishes its rows
        return

    async def listening() -> None:
        assert app[RELAY]._listen_conn is not None

    await eventually(listening, timeout=10)


async def cancel_relay(app: web.Application) -> None:
    """Cancel the app's outbox relay until it really stops, before the app closes.

    On Python 3.11 `asyncio.wait_for` can swallow a cancellation when its inner
    future completes at the same moment (CPython gh-86296); the relay waits for
    NOTIFY with `wait_for`, so a notification arriving as the app stops can
    leave it looping forever and the app's shutdown waiting on it (reported to
    the lead: the relay should use `asyncio.timeout`). Cancelling again ends it.
    """
    task = app[RELAY]._task if RELAY in app else None
    if task is None:
        return
    for _ in range(100):
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=0.1)
        if done:
            return


async def aiormq_settled() -> None:
    """Wait for aiormq's own closing tasks, which a fast test can outrun."""
    current = asyncio.current_task()

    async def settled() -> None:
        pending = [
            task for task in asyncio.all_tasks() if task is not current and "/aiormq/" in repr(task)
        ]
        assert not pending, pending

    await eventually(settled, timeout=5)


@pytest.fixture
async def simulator() -> AsyncIterator[SimulatorHandle]:
    # A seed per test: the simulator's message sids must not repeat across tests on one database.
    seed = random.randrange(1 << 30)
    async with running_simulator(simulator_config(seed=seed)) as handle:
        yield handle


@pytest.fixture
def gateway_settings(settings: Settings, simulator: SimulatorHandle) -> Settings:
    """Settings whose providers are the simulator and whose public URL is the web role's."""
    port = free_port()
    return settings.model_copy(
        update={
            "port": port,
            "public_webhook_base_url": f"http://127.0.0.1:{port}",
            "sms_base_url": simulator.url,
            "aggregation_base_url": simulator.url,
            "scheduling_base_url": simulator.url,
            "internal_service_token": SecretStr(SERVICE_TOKEN),
            "ops_password": SecretStr(OPS_PASSWORD),
            # Tests send hundreds of SMS from one sender; the 1/s production default is
            # exercised by the rate-limit tests and the backlog benchmark.
            "sms_sender_messages_per_second": 1000,
        }
    )


@pytest.fixture
async def gateway(gateway_settings: Settings, simulator: SimulatorHandle) -> AsyncIterator[Gateway]:
    """Gateway web on its public port (no worker)."""
    assert gateway_settings.port is not None
    web = TestServer(
        gateway_web.create_app(gateway_settings), host="127.0.0.1", port=gateway_settings.port
    )
    await web.start_server()
    await started(web.app)
    try:
        yield Gateway(gateway_settings, simulator, gateway_settings.public_webhook_base_url, web)
    finally:
        await cancel_relay(web.app)
        await web.close()
        await aiormq_settled()


@pytest.fixture
async def gateway_with_worker(gateway: Gateway) -> AsyncIterator[Gateway]:
    """Gateway web plus a worker running every flow (switches polled every 0.1 s)."""
    async for running in _with_worker(gateway):
        yield running


@pytest.fixture
async def non_relaying_gateway_with_worker(
    gateway_settings: Settings, simulator: SimulatorHandle
) -> AsyncIterator[Gateway]:
    """As deployed: gateway web with `OUTBOX_RELAY_ENABLED=false`, the worker relaying its rows."""
    settings = gateway_settings.model_copy(update={"outbox_relay_enabled": False})
    assert settings.port is not None
    web = TestServer(gateway_web.create_app(settings), host="127.0.0.1", port=settings.port)
    await web.start_server()
    await started(web.app)
    try:
        async for running in _with_worker(
            Gateway(settings, simulator, settings.public_webhook_base_url, web)
        ):
            yield running
    finally:
        await web.close()
        await aiormq_settled()


async def _with_worker(gateway: Gateway) -> AsyncIterator[Gateway]:
    app = gateway_worker.create_app(
        gateway.settings.model_copy(update={"outbox_relay_enabled": True}), switch_poll_seconds=0.1
    )
    worker = TestServer(app, host="127.0.0.1", port=free_port())
    await worker.start_server()
    await started(app)
    await app[gateway_worker.RUNNER].wait_consuming()
    gateway.worker = worker
    try:
        yield gateway
    finally:
        await cancel_relay(app)
        await worker.close()
