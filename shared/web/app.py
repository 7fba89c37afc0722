"""The base every role's app factory starts from: middlewares, resources and health."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from shared import __version__
from shared.database import create_pool
from shared.messaging.connection import BrokerConnection
from shared.messaging.relay import OutboxRelay
from shared.settings import Settings
from shared.web.health import HEALTH_CHECKS, health, liveness, postgres_check, rabbitmq_check
from shared.web.keys import BROKER, DRAINING, POOL, RELAY, SERVICE, SETTINGS, ServiceInfo
from shared.web.middlewares import add_security_headers, request_middleware


def create_base_app(settings: Settings, *, service: str) -> web.Application:
    """An app with the shared middlewares, pool and broker, readiness `/` and liveness `/livez`.

    Resources open in `cleanup_ctx` order (pool, broker, outbox relay) and close in
    reverse. Every role writes events and runs a relay unless `outbox_relay_enabled` is off
    (gateway web: its rows are published by the worker's and scheduler's relays).
    """
    app = web.Application(
        middlewares=[request_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[SERVICE] = ServiceInfo(name=service, version=__version__)
    app[DRAINING] = asyncio.Event()
    app[HEALTH_CHECKS] = {}
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_broker)
    if settings.outbox_relay_enabled:
        app.cleanup_ctx.append(_relay)
    app.router.add_get("/", health, name="health")
    app.router.add_get("/livez", liveness, name="liveness")
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=settings.db_pool_max_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name=f"origin-{app[SERVICE].name}",
    )
    app[POOL] = pool
    app[HEALTH_CHECKS]["postgres"] = postgres_check(pool)
    yield
    pool.close()
    await pool.wait_closed()


async def _broker(app: web.Application) -> AsyncIterator[None]:
    broker = BrokerConnection(
        app[SETTINGS].amqp_url.get_secret_value(), name=f"origin-{app[SERVICE].name}"
    )
    broker.start()
    app[BROKER] = broker
    app[HEALTH_CHECKS]["rabbitmq"] = rabbitmq_check(broker)
    yield
    await broker.close()


async def _relay(app: web.Application) -> AsyncIterator[None]:
    relay = OutboxRelay(app[POOL], app[BROKER], dsn=app[SETTINGS].database_url.get_secret_value())
    relay.start()
    app[RELAY] = relay
    yield
    await relay.stop()
