"""Fixtures shared by every test: one database and one vhost per run, settings pointing at them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from shared.database import Pool, create_pool
from shared.migrate import migrate
from shared.settings import AppEnv, Settings
from tests.support import infra


@pytest.fixture(scope="session")
def run_database_url() -> Iterator[str]:
    """A fresh, migrated database for this test run, dropped at the end."""
    name = infra.unique_name("origin_test")
    url = infra.create_database(name)

    async def apply() -> None:
        pool = await create_pool(url, max_size=1, statement_timeout_ms=0, application_name="tests")
        try:
            await migrate(pool)
        finally:
            pool.close()
            await pool.wait_closed()

    asyncio.run(apply())
    yield url
    infra.drop_database(name)


@pytest.fixture(scope="session")
def run_amqp_url() -> Iterator[str]:
    """A fresh RabbitMQ vhost for this test run, deleted at the end."""
    name = infra.unique_name("origin_test")
    url = infra.create_vhost(name)
    yield url
    infra.delete_vhost(name)


@pytest.fixture
def settings(run_database_url: str, run_amqp_url: str) -> Settings:
    """Settings for an app under test, on this run's database and vhost."""
    return Settings(
        app_env=AppEnv.TEST,
        database_url=SecretStr(run_database_url),
        amqp_url=SecretStr(run_amqp_url),
        log_level="DEBUG",
        shutdown_timeout_seconds=5,
    )


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[Pool]:
    """A pool on this run's database, for arranging and asserting rows."""
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=4,
        statement_timeout_ms=10_000,
        application_name="tests",
    )
    yield pool
    pool.close()
    await pool.wait_closed()
