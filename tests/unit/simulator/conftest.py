"""A simulator in the test's loop, a webhook recorder standing in for the gateway, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.simulator import (
    SimulatorHandle,
    WebhookRecorder,
    running_simulator,
    simulator_config,
)

TWILIO_SID = "AC" + "0" * 31 + "1"
TWILIO_TOKEN = "simulator-twilio-auth-token"
PLAID_AUTH = {"client_id": "simulator-plaid-client-id", "secret": "simulator-plaid-secret"}
CALENDLY_TOKEN = "simulator-calendly-token"


@pytest.fixture
async def recorder() -> AsyncIterator[WebhookRecorder]:
    async with WebhookRecorder() as started:
        yield started


@pytest.fixture
async def simulator(recorder: WebhookRecorder) -> AsyncIterator[SimulatorHandle]:
    config = simulator_config(gateway_webhook_base_url=recorder.url)
    async with running_simulator(config) as handle:
        yield handle


@pytest.fixture
async def client(simulator: SimulatorHandle) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=simulator.url, timeout=10) as http:
        yield http
