"""The worker's consumers, one module per flow; `build_consumers` is the list the worker runs.

To add a flow, write `gateway/flows/<name>.py` with a `consumers(...)` function
returning its `Consumer`s (queues declared in `shared/messaging/topology.py`)
and add it to `build_consumers`.
"""

from __future__ import annotations

from aiohttp import web

from gateway.flows import accounts, appointments, eligibility, email, sms
from shared.messaging.consumer import Consumer


def build_consumers(app: web.Application) -> list[Consumer]:
    """Every consumer of the worker; handlers that call providers find them on `app`."""
    return [
        *sms.consumers(app),
        *accounts.consumers(app),
        *appointments.consumers(),
        *eligibility.consumers(app),
        *email.consumers(app),
    ]
