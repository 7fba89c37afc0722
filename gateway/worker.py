"""Composition root of the worker role: RabbitMQ consumers that run connectors and reactions.

Consumers come from `gateway.flows.build_consumers` (tests may hand in their
own). Switches are read before consuming starts, so a queue switched off is
never consumed, even for a moment after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from gateway.flows import build_consumers
from gateway.providers import PROVIDERS, claims_pool_context, providers_context
from gateway.switchboard import DEFAULT_POLL_SECONDS, SwitchPoller, instance_name
from shared.events import REGISTRY
from shared.messaging.consumer import Consumer, ConsumerRunner
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.keys import BROKER, POOL, SETTINGS

SERVICE_NAME = "gateway-worker"
DEFAULT_PORT = 8082

RUNNER = web.AppKey("consumer_runner", ConsumerRunner)
CONSUMERS = web.AppKey("consumers", list[Consumer])
SWITCHES = web.AppKey("switch_poller", SwitchPoller)
SWITCH_POLL_SECONDS = web.AppKey("switch_poll_seconds", float)


def create_app(
    settings: Settings,
    *,
    consumers: list[Consumer] | None = None,
    switch_poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> web.Application:
    """Build the worker: health on its port, connectors, consumers and the switch poller."""
    app = create_base_app(settings, service=SERVICE_NAME)
    app[CONSUMERS] = consumers if consumers is not None else build_consumers(app)
    app[SWITCH_POLL_SECONDS] = switch_poll_seconds
    app.cleanup_ctx.append(providers_context)
    app.cleanup_ctx.append(claims_pool_context)
    app.cleanup_ctx.append(_consumers)
    app.on_shutdown.append(_stop_consuming)
    return app


async def _consumers(app: web.Application) -> AsyncIterator[None]:
    runner = ConsumerRunner(app[POOL], app[BROKER], REGISTRY, app[CONSUMERS], producer=SERVICE_NAME)
    poller = SwitchPoller(
        app[POOL],
        runner,
        [consumer.name for consumer in app[CONSUMERS]],
        policies=app[PROVIDERS].policies,
        instance=instance_name(SERVICE_NAME),
        interval=app[SWITCH_POLL_SECONDS],
    )
    await poller.load()
    runner.start()
    poller.start()
    app[RUNNER] = runner
    app[SWITCHES] = poller
    yield
    await poller.stop()
    await runner.stop(timeout=app[SETTINGS].shutdown_timeout_seconds)


async def _stop_consuming(app: web.Application) -> None:
    """On SIGTERM: take no new messages, finish and ack those in hand."""
    await app[RUNNER].stop(timeout=app[SETTINGS].shutdown_timeout_seconds)
