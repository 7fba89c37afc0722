"""Typed application keys for what every role keeps on its `web.Application`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from shared.database import Pool
from shared.messaging.connection import BrokerConnection
from shared.messaging.relay import OutboxRelay
from shared.settings import Settings


@dataclass(frozen=True)
class ServiceInfo:
    """Who this process is, as health and logs report it."""

    name: str
    version: str


SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", ServiceInfo)
POOL = web.AppKey("pool", Pool)
BROKER = web.AppKey("broker", BrokerConnection)
DRAINING = web.AppKey("draining", asyncio.Event)
RELAY = web.AppKey("relay", OutboxRelay)
REQUEST_ID = web.RequestKey("request_id", str)
CORRELATION_ID = web.RequestKey("correlation_id", str)
