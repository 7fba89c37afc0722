"""A send cancelled at shutdown: released when its request never left, unknown when it did."""

import socket
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestServer

from gateway import worker as gateway_worker
from gateway.worker import RUNNER
from shared.settings import Settings
from tests.integration.gateway import builders
from tests.integration.gateway.conftest import cancel_relay, started
from tests.support.infra import free_port
from tests.support.polling import eventually


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A URL whose TCP connect never completes: the listen queue is full, SYNs are dropped."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield f"http://127.0.0.1:{port}"
    filler.close()
    listener.close()


async def _worker(settings: Settings) -> TestServer:
    app = gateway_worker.create_app(settings, switch_poll_seconds=0.1)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    await started(app)
    await app[RUNNER].wait_consuming()
    return server


async def _stop(server) -> None:
    await server.app[RUNNER].stop(timeout=0.3)  # shutdown past its timeout: handlers cancelled
    await cancel_relay(server.app)
    await server.close()


async def _in_sending(pool, message_id) -> None:
    async def sending():
        assert (await builders.message_row(pool, message_id))[0] == "sending"

    await eventually(sending, timeout=15)


async def test_a_send_cancelled_before_its_request_left_releases_its_claim(
    gateway, pool, black_hole
):
    settings = gateway.settings.model_copy(update={"sms_base_url": black_hole})
    worker = await _worker(settings)
    member_id, _ = await builders.member(pool, phone=builders.unique_phone())
    message_id = await builders.sms_message(pool, member_id, emit=True)
    try:
        await _in_sending(pool, message_id)  # claimed, connecting to a provider that never answers
    finally:
        await _stop(worker)

    assert await builders.message_row(pool, message_id) == ("requested", None, None)


async def test_a_send_cancelled_after_its_request_left_stays_sending_with_an_unknown_outcome(
    gateway, pool
):
    await gateway.simulator.admin.set_faults({"prefix": "/2010-04-01", "hang": True})
    worker = await _worker(gateway.settings)
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    message_id = await builders.sms_message(pool, member_id, emit=True)
    try:
        await _in_sending(pool, message_id)

        async def at_the_provider():
            rules = await gateway.simulator.admin.faults()
            assert rules[0]["matched"] >= 1  # our request (and any other) reached it

        await eventually(at_the_provider, timeout=15)
    finally:
        await _stop(worker)

    assert await builders.message_row(pool, message_id) == (
        "sending",
        None,
        "send_outcome_unknown",
    )
