"""Composition root of the worker role: RabbitMQ consumers that run connectors and reactions."""

from __future__ import annotations

from aiohttp import web

from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "gateway-worker"
DEFAULT_PORT = 8082


def create_app(settings: Settings) -> web.Application:
    """Build the worker: health on its port, consumers as background tasks."""
    return create_base_app(settings, service=SERVICE_NAME)
