"""Sign-up email end to end: the bff and a gateway worker on moto's SES and the real Postgres.

The worker runs the real consumer runner and relay with only the email consumer,
so a sign-up travels outbox -> RabbitMQ -> worker -> SES (moto, which records it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from bff.app import create_app as create_bff
from bff.web.limits import Limits
from gateway import email
from gateway.providers import CLAIMS_POOL, WorkerConnectors
from gateway.worker import RUNNER
from gateway.worker import create_app as create_worker
from shared.messaging.consumer import Consumer
from shared.settings import Settings
from tests.support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer, moto_server

WEBAPP_BASE_URL = "http://console.test:3000"


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto server for the sign-up email tests (each test uses its own addresses)."""
    with moto_server(tmp_path_factory.mktemp("moto-ses") / "moto_server.log") as server:
        yield server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default credential chain finds moto's dummy keys."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)


@pytest.fixture
def email_settings(settings: Settings, moto: MotoServer, aws_credentials: None) -> Settings:
    """Settings whose SES is moto (the worker registers the sender there as it starts)."""
    return settings.model_copy(
        update={"aws_endpoint_url": moto.endpoint_url, "webapp_base_url": WEBAPP_BASE_URL}
    )


@pytest.fixture
async def bff(aiohttp_client: Any, email_settings: Settings) -> TestClient:
    return await aiohttp_client(
        create_bff(email_settings, limits=Limits(client_ip_header="X-Forwarded-For")),
        cookie_jar=DummyCookieJar(),
    )


async def start_worker(settings: Settings) -> TestServer:
    """A gateway worker running only the email consumer."""

    async def email_only(worker: web.Application, connectors: WorkerConnectors) -> list[Consumer]:
        return email.consumers(await connectors.email(), worker[CLAIMS_POOL])

    app = create_worker(settings, consumers=email_only)
    server = TestServer(app)
    await server.start_server()
    await app[RUNNER].wait_consuming()
    return server


@pytest.fixture
async def worker(email_settings: Settings) -> AsyncIterator[TestServer]:
    server = await start_worker(email_settings)
    yield server
    await server.close()
