"""The simulator's app factory: provider routes, admin routes, fault injection, webhooks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web
from pydantic import ValidationError

from connectors.simulator import calendly, link_page, plaid, twilio
from connectors.simulator.config import SimulatorConfig
from connectors.simulator.faults import FaultInjector, FaultPlan, fault_middleware
from connectors.simulator.keys import CONFIG, FAULTS, RANDOM, WEBHOOKS
from connectors.simulator.webhooks import WebhookSender
from shared import __version__
from shared.web.middlewares import request_context_middleware

SERVICE = "simulator"


def create_app(config: SimulatorConfig) -> web.Application:
    """Build the simulator: state seeded from `config.seed`, webhooks to the configured gateway."""
    faults = FaultInjector(default_seed=config.seed, max_hang_seconds=config.max_hang_seconds)
    app = web.Application(middlewares=[request_context_middleware, fault_middleware(faults)])
    app[CONFIG] = config
    app[FAULTS] = faults
    app[RANDOM] = random.Random(config.seed)  # noqa: S311 - fake ids and data, not secrets
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.cleanup_ctx.append(_webhook_sender)
    app.on_shutdown.append(_wake_hung_requests)
    app.router.add_get("/", health)
    app.router.add_get("/_admin/faults", get_faults)
    app.router.add_post("/_admin/faults", set_faults)
    app.router.add_delete("/_admin/faults", clear_faults)
    app.router.add_get("/_admin/webhooks", list_webhooks)
    twilio.setup(app)
    plaid.setup(app)
    link_page.setup(app)
    calendly.setup(app)
    return app


async def _webhook_sender(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=app[CONFIG].webhook_timeout_seconds)
    sender = WebhookSender(aiohttp.ClientSession(timeout=timeout))
    app[WEBHOOKS] = sender
    yield
    await sender.close()


async def _wake_hung_requests(app: web.Application) -> None:
    app[FAULTS].closing.set()
    await asyncio.sleep(0)


async def health(request: web.Request) -> web.Response:
    """`GET /`: the simulator is up (it depends on nothing)."""
    body = {"status": "ok", "service": SERVICE, "version": __version__, "checks": {}}
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def get_faults(request: web.Request) -> web.Response:
    """The fault rules in force and how often each has fired."""
    return web.json_response({"rules": request.app[FAULTS].describe()})


async def set_faults(request: web.Request) -> web.Response:
    """Replace the fault rules, e.g. `{"rules": [{"prefix": "/transactions", "status": 503}]}`."""
    try:
        plan = FaultPlan.model_validate_json(await request.read())
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        return web.json_response({"errors": errors}, status=422)
    request.app[FAULTS].configure(plan)
    return web.json_response({"rules": request.app[FAULTS].describe()})


async def clear_faults(request: web.Request) -> web.Response:
    """Stop injecting faults."""
    request.app[FAULTS].clear()
    return web.Response(status=204)


async def list_webhooks(request: web.Request) -> web.Response:
    """Every webhook the simulator tried to deliver, oldest first."""
    provider = request.query.get("provider")
    deliveries = [
        d.as_dict() for d in request.app[WEBHOOKS].deliveries if provider in (None, d.provider)
    ]
    return web.json_response({"deliveries": deliveries})
