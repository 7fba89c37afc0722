"""A handler running when its channel or connection drops finishes; the redelivery is a no-op.

The broker connection goes through a TCP proxy that the test cuts, so the shared
RabbitMQ is never restarted.
"""

import asyncio

import aiormq
import pytest

from tests.support.messaging import EffectHarness
from tests.support.polling import eventually
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(run_amqp_url):
    with TcpProxy.for_url(run_amqp_url) as proxy:
        yield proxy


async def _message_counts(amqp_url: str, *queues: str) -> list[int]:
    connection = await aiormq.connect(amqp_url)
    try:
        channel = await connection.channel()
        counts = []
        for queue in queues:
            declared = await channel.queue_declare(queue, passive=True)
            counts.append(int(declared.message_count or 0))
        return counts
    finally:
        await connection.close()


@pytest.mark.parametrize("batch_size", [1, 4])
async def test_a_handler_running_when_the_connection_drops_finishes_once_and_is_acked_on_redelivery(
    pool, run_amqp_url, run_database_url, proxy, batch_size
):
    harness = EffectHarness(pool, proxy.url_through(run_amqp_url), run_database_url)
    await harness.setup()
    harness.handler_delay = 1.0 if batch_size == 1 else 0.3
    try:
        runner = await harness.runner(prefetch=8, batch_size=batch_size)
        await harness.relay()
        await harness.emit(range(8))

        async def some_in_hand():
            assert len(harness.started) >= 2
            assert len(harness.finished) < len(harness.started)  # one is running now

        await eventually(some_in_hand, timeout=15, interval=0.01)
        proxy.cut()  # mid-handler: the channel and connection drop under them
        await asyncio.sleep(0.5)
        proxy.restore()

        async def all_done():
            rows, distinct = await harness.effects()
            assert (rows, distinct) == (8, 8)

        await eventually(all_done, timeout=30, interval=0.1)
        await runner.wait_consuming(timeout=30)
        await asyncio.sleep(1.0)  # give a second effect the chance to show up
        assert await harness.effects() == (8, 8)
        assert harness.cancelled == []
        # Each handler ran to its end exactly once: redeliveries were inbox duplicates.
        assert sorted(harness.finished) == list(range(8))
        await runner.stop(timeout=5)  # anything still unacked goes back to the queue
        queue = harness.queue
        counts = await _message_counts(run_amqp_url, queue.name, queue.dead_letter_queue)
        assert counts == [0, 0]
    finally:
        await harness.close()


async def test_stop_past_its_timeout_cancels_the_handlers_still_running(harness):
    harness.handler_delay = 30
    runner = await harness.runner(prefetch=2)
    await harness.relay()
    await harness.emit(range(2))

    async def both_in_hand():
        assert len(harness.started) == 2

    await eventually(both_in_hand, timeout=15)
    await runner.stop(timeout=0.5)

    assert sorted(harness.cancelled) == [0, 1]
    assert await harness.effects() == (0, 0)
