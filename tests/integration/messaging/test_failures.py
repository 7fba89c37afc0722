import asyncio
import json

import aiormq
import pytest
from aiormq import spec
from pydantic import BaseModel

from shared.messaging import dead_letters, topology
from shared.messaging.consumer import Consumer, ConsumerRunner
from tests.support import infra
from tests.support.polling import eventually


async def _effects_reach(harness, expected: int, timeout: float = 60) -> None:
    async def done():
        rows, distinct = await harness.effects()
        assert distinct == expected, (rows, distinct)

    await eventually(done, timeout=timeout, interval=0.2)


async def _channel(amqp_url: str):
    connection = await aiormq.connect(amqp_url)
    return connection, await connection.channel()


async def test_losing_every_broker_connection_mid_run_loses_nothing_and_doubles_nothing(
    harness, run_amqp_url
):
    runners = [await harness.runner() for _ in range(2)]
    await harness.relay()
    await harness.relay()
    await harness.emit(range(5000))

    async def some_handled():
        rows, _ = await harness.effects()
        assert rows >= 1000
        return rows

    handled_before = await eventually(some_handled, timeout=30)
    closed = await asyncio.to_thread(infra.close_broker_connections, infra.vhost_of(run_amqp_url))
    assert closed >= 4
    assert handled_before < 5000, "the run finished before the broker went away"

    await _effects_reach(harness, 5000)
    await asyncio.sleep(0.5)
    assert await harness.effects() == (5000, 5000)
    for runner in runners:
        await runner.wait_consuming(timeout=30)
        assert runner.consuming == [harness.queue.name]


async def test_a_poison_message_is_dead_lettered_then_replayed_and_handled_once(
    harness, run_amqp_url
):
    harness.failing.add(13)
    await harness.runner()
    await harness.relay()
    await harness.emit([12, 13])

    connection, channel = await _channel(run_amqp_url)
    try:

        async def dead_lettered():
            assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 1

        await eventually(dead_lettered, timeout=15)
        [letter] = await dead_letters.show(channel, harness.queue.dead_letter_queue)
        assert letter.error is not None and "retries exhausted" in letter.error
        assert letter.attempts == len(harness.tiers) + 1
        assert letter.consumer == harness.queue.name
        assert await harness.effects() == (1, 1)

        harness.failing.clear()  # the handler is fixed
        replayed = await dead_letters.replay(channel, harness.queue, message_id=letter.message_id)
        assert replayed == [letter.message_id]

        await _effects_reach(harness, 2)
        await asyncio.sleep(0.3)
        assert await harness.effects() == (2, 2)
        assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 0
    finally:
        await connection.close()


async def test_a_permanent_failure_is_dead_lettered_without_retries(harness, run_amqp_url):
    harness.permanently_failing.add(5)
    await harness.runner()
    await harness.relay()
    await harness.emit([5])
    connection, channel = await _channel(run_amqp_url)
    try:

        async def dead_lettered():
            assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 1

        await eventually(dead_lettered, timeout=10)
        [letter] = await dead_letters.show(channel, harness.queue.dead_letter_queue)
        assert letter.attempts == 1
        assert "PermanentFailure: bump 5 can never work" in (letter.error or "")
    finally:
        await connection.close()


async def test_an_invalid_envelope_is_dead_lettered_with_a_reason(harness, run_amqp_url):
    await harness.runner()
    connection, channel = await _channel(run_amqp_url)
    try:
        bad = {"id": "not-a-uuid", "type": harness.event_name, "data": {"n": "x"}}
        await channel.basic_publish(
            json.dumps(bad).encode(),
            exchange=topology.EVENTS_EXCHANGE,
            routing_key=harness.event_name,
            properties=spec.Basic.Properties(delivery_mode=2, message_id="bad-1"),
        )

        async def dead_lettered():
            assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 1

        await eventually(dead_lettered, timeout=10)
        [letter] = await dead_letters.show(channel, harness.queue.dead_letter_queue)
        assert letter.error is not None and letter.error.startswith("invalid envelope")
        assert "id" in letter.error
        assert await harness.effects() == (0, 0)
    finally:
        await connection.close()


async def test_a_paused_queue_stays_paused_across_a_reconnect_and_loses_nothing(
    harness, run_amqp_url
):
    runner = await harness.runner()
    await harness.relay()
    await runner.pause(harness.queue.name)

    await asyncio.to_thread(infra.close_broker_connections, infra.vhost_of(run_amqp_url))
    await runner.wait_consuming(timeout=30)
    await harness.emit(range(20))
    await asyncio.sleep(1.0)  # long enough for a wrongly resumed consumer to take them
    assert await harness.effects() == (0, 0)
    assert runner.consuming == []

    await runner.resume(harness.queue.name)
    await _effects_reach(harness, 20)
    assert await harness.effects() == (20, 20)


async def test_a_handler_for_an_event_class_the_registry_does_not_know_is_refused_at_start(
    harness,
):
    class Unregistered(BaseModel):
        n: int

    consumer = Consumer(harness.queue, {Unregistered: harness.handle})
    with pytest.raises(ValueError, match="Unregistered"):
        ConsumerRunner(
            harness.pool, await harness.broker(), harness.registry, [consumer], producer="tests"
        )
