"""Typed application keys shared by the simulator's provider modules.

Each provider module keeps its own state under a key it defines itself.
"""

from __future__ import annotations

import random

from aiohttp import web

from connectors.simulator.config import SimulatorConfig
from connectors.simulator.faults import FaultInjector
from connectors.simulator.webhooks import WebhookSender

CONFIG = web.AppKey("simulator_config", SimulatorConfig)
FAULTS = web.AppKey("faults", FaultInjector)
WEBHOOKS = web.AppKey("webhooks", WebhookSender)
# The one seeded source of ids, so the same calls in the same order give the same ids.
RANDOM = web.AppKey("random", random.Random)
