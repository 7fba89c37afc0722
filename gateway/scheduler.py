"""Composition root of the scheduler role: cron-like jobs, safe with many replicas."""

from __future__ import annotations

from aiohttp import web

from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "gateway-scheduler"
DEFAULT_PORT = 8083


def create_app(settings: Settings) -> web.Application:
    """Build the scheduler: health on its port, the job loop as a background task."""
    return create_base_app(settings, service=SERVICE_NAME)
