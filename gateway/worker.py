"""Composition root of the worker role: RabbitMQ consumers that run connectors and reactions.

`build_consumers` lists each feature's consumers, handing each the connectors
and pools it uses; it imports each feature when it builds it and asks
`WorkerConnectors` for just the connectors that feature uses, so a worker
built with fewer consumers (tests, `only(...)`) neither imports nor opens the
others. Switches are read before consuming starts, so a queue switched off is
never consumed, even for a moment after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from gateway.providers import (
    CLAIMS_POOL,
    TWILIO_WEBHOOK_PATH,
    WORKER_CONNECTORS,
    WorkerConnectors,
    claims_pool_context,
    public_url,
    worker_connectors_context,
)
from gateway.switchboard import DEFAULT_POLL_SECONDS, SwitchPoller, instance_name
from shared.events import REGISTRY
from shared.messaging.consumer import Consumer, ConsumerRunner
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.keys import BROKER, POOL, SETTINGS

SERVICE_NAME = "gateway-worker"
DEFAULT_PORT = 8082

ConsumerFactory = Callable[[web.Application, WorkerConnectors], Awaitable[list[Consumer]]]
"""Builds the consumers from the app's pools and settings and the connectors it asks for."""

RUNNER = web.AppKey("consumer_runner", ConsumerRunner)
CONSUMER_FACTORY = web.AppKey[ConsumerFactory]("consumer_factory")
SWITCHES = web.AppKey("switch_poller", SwitchPoller)
SWITCH_POLL_SECONDS = web.AppKey("switch_poll_seconds", float)


async def build_consumers(app: web.Application, connectors: WorkerConnectors) -> list[Consumer]:
    """Every consumer of the worker, each given the connectors and pools it uses."""
    # Imported here: a feature's module imports its connector's (models, templates).
    from gateway import accounts, bookings, eligibility, email, sms

    settings, claims_pool = app[SETTINGS], app[CLAIMS_POOL]
    return [
        *sms.consumers(
            await connectors.sms(),
            claims_pool,
            status_webhook_url=public_url(settings, TWILIO_WEBHOOK_PATH),
        ),
        *accounts.consumers(await connectors.aggregation(), connectors.cipher()),
        *bookings.consumers(),
        *eligibility.consumers(settings),
        *email.consumers(await connectors.email(), claims_pool),
    ]


def only(*consumers: Consumer) -> ConsumerFactory:
    """A factory of just these consumers (built already), which use no worker connector."""

    async def factory(app: web.Application, connectors: WorkerConnectors) -> list[Consumer]:
        return list(consumers)

    return factory


def create_app(
    settings: Settings,
    *,
    consumers: ConsumerFactory = build_consumers,
    switch_poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> web.Application:
    """Build the worker: health on its port, connectors, consumers and the switch poller."""
    app = create_base_app(settings, service=SERVICE_NAME)
    app[CONSUMER_FACTORY] = consumers
    app[SWITCH_POLL_SECONDS] = switch_poll_seconds
    app.cleanup_ctx.append(worker_connectors_context)
    app.cleanup_ctx.append(claims_pool_context)
    app.cleanup_ctx.append(_consumers)
    app.on_shutdown.append(_stop_consuming)
    return app


async def _consumers(app: web.Application) -> AsyncIterator[None]:
    connectors = app[WORKER_CONNECTORS]
    consumers = await app[CONSUMER_FACTORY](app, connectors)
    runner = ConsumerRunner(app[POOL], app[BROKER], REGISTRY, consumers, producer=SERVICE_NAME)
    poller = SwitchPoller(
        app[POOL],
        runner,
        [consumer.name for consumer in consumers],
        policies=connectors.policies,
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
