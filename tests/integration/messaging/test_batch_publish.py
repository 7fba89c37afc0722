"""A batch published as one write gets one confirm per message, against the real broker."""

import asyncio
import uuid

import aiormq
import pytest
from aiormq import spec

from shared.messaging.batch_publish import OutgoingMessage, publish_confirmed


@pytest.fixture
async def channel(run_amqp_url):
    connection = await aiormq.connect(run_amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    yield channel
    await connection.close()


def messages(queue: str, count: int, *, exchange: str = "") -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            exchange=exchange,
            routing_key=queue,
            body=b"%d" % n,
            properties=spec.Basic.Properties(delivery_mode=2, message_id=f"m{n}"),
        )
        for n in range(count)
    ]


async def declare(channel, **arguments) -> str:
    queue = f"test.batch.{uuid.uuid4().hex}"
    await channel.queue_declare(queue, auto_delete=True, arguments=arguments or None)
    return queue


async def test_every_message_of_a_batch_is_confirmed_and_arrives_in_order(channel):
    queue = await declare(channel)

    acked = await publish_confirmed(channel, messages(queue, 1000), timeout=10)

    assert acked == [True] * 1000
    declared = await channel.queue_declare(queue, passive=True)
    assert declared.message_count == 1000
    first = [await channel.basic_get(queue, no_ack=True) for _ in range(3)]
    assert [(m.body, m.header.properties.message_id) for m in first] == [
        (b"0", "m0"),
        (b"1", "m1"),
        (b"2", "m2"),
    ]


async def test_batches_and_aiormqs_own_publishes_share_the_channels_delivery_tags(channel):
    queue = await declare(channel)

    first = await publish_confirmed(channel, messages(queue, 50), timeout=10)
    single = await channel.basic_publish(b"single", routing_key=queue)
    batches = await asyncio.gather(
        publish_confirmed(channel, messages(queue, 50), timeout=10),
        publish_confirmed(channel, messages(queue, 50), timeout=10),
    )

    assert first == [True] * 50
    assert isinstance(single, spec.Basic.Ack)
    assert list(batches) == [[True] * 50, [True] * 50]
    assert channel.confirmations == {}  # nothing left waiting
    assert (await channel.queue_declare(queue, passive=True)).message_count == 151


async def test_only_the_messages_the_broker_refuses_are_not_confirmed(channel):
    # A full queue that rejects publishes: the broker nacks the messages past its length.
    queue = await declare(channel, **{"x-max-length": 5, "x-overflow": "reject-publish"})

    acked = await publish_confirmed(channel, messages(queue, 12), timeout=10)

    assert acked == [True] * 5 + [False] * 7


async def test_a_channel_the_broker_closes_mid_batch_fails_the_batch_without_hanging(channel):
    missing_exchange = f"test.missing.{uuid.uuid4().hex}"

    async with asyncio.timeout(5):
        try:
            acked = await publish_confirmed(
                channel, messages("anything", 20, exchange=missing_exchange), timeout=3
            )
        except Exception:  # the close reason, as aiormq rejects the pending futures
            acked = None

    assert acked is None or not any(acked)
    await asyncio.sleep(0.1)
    assert channel.is_closed


async def test_an_empty_batch_publishes_nothing(channel):
    assert await publish_confirmed(channel, [], timeout=1) == []
    assert channel.delivery_tag == 0
