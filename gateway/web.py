"""Composition root of the gateway's web role: webhooks and the internal API."""

from __future__ import annotations

from aiohttp import web

from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "gateway-web"
DEFAULT_PORT = 8081


def create_app(settings: Settings) -> web.Application:
    """Build the gateway web application."""
    return create_base_app(settings, service=SERVICE_NAME)
