"""Composition root of the worker role: RabbitMQ consumers that run connectors and reactions."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from shared.events import REGISTRY
from shared.messaging.consumer import Consumer, ConsumerRunner
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.keys import BROKER, POOL, SETTINGS

SERVICE_NAME = "gateway-worker"
DEFAULT_PORT = 8082

RUNNER = web.AppKey("consumer_runner", ConsumerRunner)
CONSUMERS = web.AppKey("consumers", list[Consumer])


def create_app(settings: Settings, *, consumers: list[Consumer] | None = None) -> web.Application:
    """Build the worker: health on its port, consumers as background tasks."""
    app = create_base_app(settings, service=SERVICE_NAME)
    app[CONSUMERS] = consumers if consumers is not None else []
    app.cleanup_ctx.append(_consumers)
    app.on_shutdown.append(_stop_consuming)
    return app


async def _consumers(app: web.Application) -> AsyncIterator[None]:
    runner = ConsumerRunner(
        app[POOL], app[BROKER], REGISTRY, app[CONSUMERS], producer=SERVICE_NAME
    )
    runner.start()
    app[RUNNER] = runner
    yield
    await runner.stop(timeout=app[SETTINGS].shutdown_timeout_seconds)


async def _stop_consuming(app: web.Application) -> None:
    """On SIGTERM: take no new messages, finish and ack those in hand."""
    await app[RUNNER].stop(timeout=app[SETTINGS].shutdown_timeout_seconds)
