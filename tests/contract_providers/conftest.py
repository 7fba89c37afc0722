"""The simulator for the oracle tests, and the gateway web role for the webhook ones.

The gateway fixtures are the integration suite's own (its roles in-process on free
ports, wired to an in-process simulator), imported so both suites build them one way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.gateway.conftest import (  # noqa: F401 - fixtures used by name
    gateway,
    gateway_settings,
    simulator,
)
from tests.support.simulator import (
    SimulatorHandle,
    WebhookRecorder,
    running_simulator,
    simulator_config,
)


@pytest.fixture
async def recorder() -> AsyncIterator[WebhookRecorder]:
    async with WebhookRecorder() as started:
        yield started


@pytest.fixture
async def sim(recorder: WebhookRecorder) -> AsyncIterator[SimulatorHandle]:
    """A simulator with few transactions, its webhooks going to `recorder`."""
    config = simulator_config(gateway_webhook_base_url=recorder.url, transactions_per_account=2)
    async with running_simulator(config) as handle:
        yield handle
