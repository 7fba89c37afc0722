"""Composition root of the bff: builds the app with its resources and routes."""

from __future__ import annotations

from aiohttp import web

from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "bff"
DEFAULT_PORT = 8080


def create_app(settings: Settings) -> web.Application:
    """Build the bff application; tests call this same factory."""
    app = create_base_app(settings, service=SERVICE_NAME)
    return app
