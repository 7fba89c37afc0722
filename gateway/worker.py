"""Composition root of the worker role: RabbitMQ consumers that run connectors and reactions.

`build_consumers` lists each feature's consumers, handing each the connectors
and pools it uses; it runs once those are open (tests may hand in their own
factory). Switches are read before consuming starts, so a queue switched off is
never consumed, even for a moment after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from gateway import accounts, bookings, eligibility, email, sms
from gateway.providers import (
    CLAIMS_POOL,
    PROVIDERS,
    TWILIO_WEBHOOK_PATH,
    claims_pool_context,
    providers_context,
    public_url,
)
from gateway.switchboard import DEFAULT_POLL_SECONDS, SwitchPoller, instance_name
from shared.events import REGISTRY
from shared.messaging.consumer import Consumer, ConsumerRunner
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.keys import BROKER, POOL, SETTINGS

SERVICE_NAME = "gateway-worker"
DEFAULT_PORT = 8082

ConsumerFactory = Callable[[web.Application], list[Consumer]]
"""Builds the consumers from the app's open resources (connectors, pools, settings)."""

RUNNER = web.AppKey("consumer_runner", ConsumerRunner)
CONSUMER_FACTORY = web.AppKey[ConsumerFactory]("consumer_factory")
SWITCHES = web.AppKey("switch_poller", SwitchPoller)
SWITCH_POLL_SECONDS = web.AppKey("switch_poll_seconds", float)


def build_consumers(app: web.Application) -> list[Consumer]:
    """Every consumer of the worker, each given the connectors and pools it uses."""
    settings, providers, claims_pool = app[SETTINGS], app[PROVIDERS], app[CLAIMS_POOL]
    return [
        *sms.consumers(
            providers.sms,
            claims_pool,
            status_webhook_url=public_url(settings, TWILIO_WEBHOOK_PATH),
        ),
        *accounts.consumers(providers.aggregation, providers.cipher),
        *bookings.consumers(),
        *eligibility.consumers(settings),
        *email.consumers(providers.email, claims_pool),
    ]


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
    app.cleanup_ctx.append(providers_context)
    app.cleanup_ctx.append(claims_pool_context)
    app.cleanup_ctx.append(_consumers)
    app.on_shutdown.append(_stop_consuming)
    return app


async def _consumers(app: web.Application) -> AsyncIterator[None]:
    consumers = app[CONSUMER_FACTORY](app)
    runner = ConsumerRunner(app[POOL], app[BROKER], REGISTRY, consumers, producer=SERVICE_NAME)
    poller = SwitchPoller(
        app[POOL],
        runner,
        [consumer.name for consumer in consumers],
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
