"""Publish a batch of messages as one write, each with its own publisher confirm.

aiormq's `basic_publish` takes the channel lock, queues one frame and awaits its
own confirm per call; the relay gathered 500 such calls per batch, 500 tasks
each with its lock turn, timeout and queue hand-off, most of a relaying role's
CPU under load. Here the whole batch takes the lock once, numbers its
publishes with consecutive delivery tags, registers one confirmation future per
tag where aiormq's frame reader resolves them (`Channel.confirmations`, single
and `multiple` acks alike) and hands the frames to the connection's writer as
one frame. Each message's result is its own confirm: a nack, a closed channel
or the timeout fails only the messages not yet acked.

This leans on aiormq internals (`confirmations`, `delivery_tag`, `write_queue`,
`_split_body`, `ChannelFrame`), hence aiormq is pinned in requirements/base.txt
and tests/integration/messaging/test_batch_publish.py exercises them against
the broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import aiormq
from aiormq import spec
from aiormq.abc import ChannelFrame, FrameType
from pamqp.body import ContentBody
from pamqp.header import ContentHeader


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to publish: its routing and its bytes."""

    exchange: str
    routing_key: str
    body: bytes
    properties: spec.Basic.Properties


async def publish_confirmed(
    channel: aiormq.Channel, messages: Sequence[OutgoingMessage], *, timeout: float
) -> list[bool]:
    """Publish `messages` in order; True for each the broker acked within `timeout` seconds.

    The channel must be in confirm mode. After any False (or an exception) the caller
    should drop the channel: a publish the broker never answered may still be on it.
    """
    if not messages:
        return []
    if not channel.publisher_confirms:
        raise ValueError("publish_confirmed needs a channel with publisher confirms")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    frames: list[FrameType | ContentBody] = []
    for message in messages:
        frames.append(
            spec.Basic.Publish(exchange=message.exchange, routing_key=message.routing_key)
        )
        frames.append(ContentHeader(properties=message.properties, body_size=len(message.body)))
        frames.extend(channel._split_body(message.body))
    confirmations: list[asyncio.Future[object]] = []
    async with asyncio.timeout_at(deadline), channel.lock:
        first_tag = channel.delivery_tag + 1
        # Registered before the write: the reader may see the first ack before we resume.
        for offset in range(len(messages)):
            confirmation = channel.create_future()
            channel.confirmations[first_tag + offset] = confirmation
            confirmations.append(confirmation)
        channel.delivery_tag = first_tag + len(messages) - 1
        drained = channel.create_future()
        # The broker numbers publishes in the order it receives them, so the tags above
        # hold only if these frames reach the socket together and in order: one ChannelFrame.
        batch = ChannelFrame.marshall(
            frames=frames, channel_number=channel.number, drain_future=drained
        )
        try:
            await channel.write_queue.put(batch)
        except BaseException:
            # Not queued, so never seen by the broker: give the tags back.
            channel.delivery_tag = first_tag - 1
            for offset, confirmation in enumerate(confirmations):
                channel.confirmations.pop(first_tag + offset, None)
                confirmation.cancel()
            raise
        await drained  # backpressure: the socket took the batch
    remaining = deadline - loop.time()
    if remaining > 0:
        await asyncio.wait(confirmations, timeout=remaining)
    return [_acked(confirmation) for confirmation in confirmations]


def _acked(confirmation: asyncio.Future[object]) -> bool:
    if not confirmation.done() or confirmation.cancelled():
        return False
    return confirmation.exception() is None and isinstance(confirmation.result(), spec.Basic.Ack)
