"""Composition root of the gateway web role: the features' webhooks and internal API, ops page."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway import accounts, bookings, sms, webhooks
from gateway.ops_page import ops_page
from gateway.providers import providers_context
from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "gateway-web"
DEFAULT_PORT = 8081


def create_app(settings: Settings) -> web.Application:
    """Build the gateway web application."""
    app = create_base_app(settings, service=SERVICE_NAME)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("gateway", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.cleanup_ctx.append(providers_context)
    webhooks.setup(app)
    app.router.add_routes([*sms.routes(), *accounts.routes(), *bookings.routes()])
    app.router.add_get("/ops", ops_page, name="ops")
    return app
