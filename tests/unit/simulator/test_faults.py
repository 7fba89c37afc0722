"""Fault injection: per-prefix errors, 429 with Retry-After, latency, hangs, determinism."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.simulator import SimulatorHandle, running_simulator, simulator_config
from tests.unit.simulator.conftest import PLAID_AUTH


async def test_a_rule_fails_only_routes_under_its_prefix(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    await simulator.admin.set_faults({"prefix": "/accounts", "status": 502})

    faulted = await client.post("/accounts/balance/get", json=PLAID_AUTH)
    other = await client.post("/transactions/sync", json=PLAID_AUTH)
    health = await client.get("/")
    admin = await client.get("/_admin/sms")

    assert faulted.status_code == 502
    assert other.status_code == 400  # reached the handler: no access token
    assert health.status_code == 200
    assert admin.status_code == 200


async def test_a_429_rule_sends_retry_after(client: httpx.AsyncClient, simulator: SimulatorHandle):
    await simulator.admin.set_faults(
        {"prefix": "/2010-04-01", "status": 429, "retry_after_seconds": 2}
    )

    response = await client.post("/2010-04-01/Accounts/AC1/Messages.json")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"


async def test_a_rule_limited_to_some_times_is_spent_after_them(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    await simulator.admin.set_faults({"prefix": "/users", "status": 503, "times": 2})

    statuses = [(await client.get("/users/me")).status_code for _ in range(4)]

    assert statuses == [503, 503, 401, 401]
    assert (await simulator.admin.faults())[0]["injected"] == 2


async def test_a_partial_error_rate_is_the_same_sequence_for_the_same_seed():
    runs = []
    for _ in range(2):
        async with running_simulator(simulator_config(seed=11)) as simulator:
            await simulator.admin.set_faults({"prefix": "/users", "error_rate": 0.5}, seed=3)
            async with httpx.AsyncClient(base_url=simulator.url) as client:
                runs.append([(await client.get("/users/me")).status_code for _ in range(30)])

    assert runs[0] == runs[1]
    assert 5 < runs[0].count(503) < 25


async def test_latency_delays_the_answer(client: httpx.AsyncClient, simulator: SimulatorHandle):
    await simulator.admin.set_faults({"prefix": "/users", "latency_ms": 200, "error_rate": 0})

    started = time.perf_counter()
    response = await client.get("/users/me")

    assert response.status_code == 401
    assert time.perf_counter() - started >= 0.2


async def test_a_hang_holds_the_request_until_the_callers_timeout(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    await simulator.admin.set_faults({"prefix": "/users", "hang": True})

    with pytest.raises(httpx.ReadTimeout):
        await client.get("/users/me", timeout=0.3)


async def test_clearing_faults_restores_normal_answers(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    await simulator.admin.set_faults({"prefix": "/", "status": 500})
    await simulator.admin.clear_faults()

    assert (await client.get("/users/me")).status_code == 401
    assert await simulator.admin.faults() == []


async def test_an_invalid_rule_is_refused_with_422(client: httpx.AsyncClient):
    response = await client.post("/_admin/faults", json={"rules": [{"prefix": "", "status": 99}]})

    assert response.status_code == 422


async def test_injected_failures_carry_the_error_shape_of_the_provider_whose_path_it_is(
    client: httpx.AsyncClient, simulator: SimulatorHandle
):
    await simulator.admin.set_faults(
        {"prefix": "/2010-04-01", "status": 429},
        {"prefix": "/transactions", "status": 429, "retry_after_seconds": 3},
        {"prefix": "/accounts", "status": 400},
        {"prefix": "/webhook_subscriptions", "status": 503},
    )

    twilio = await client.post("/2010-04-01/Accounts/AC1/Messages.json")
    plaid = await client.post("/transactions/sync", json=PLAID_AUTH)
    plaid_invalid = await client.post("/accounts/balance/get", json=PLAID_AUTH)
    calendly = await client.get("/webhook_subscriptions")

    assert twilio.json()["code"] == 20429 and set(twilio.json()) == {
        "code", "message", "more_info", "status"
    }  # fmt: skip
    assert plaid.json()["error_type"] == "RATE_LIMIT_EXCEEDED"
    assert plaid.headers["Retry-After"] == "3"
    assert plaid_invalid.json()["error_type"] == "INVALID_REQUEST"
    assert set(calendly.json()) == {"title", "message"}
