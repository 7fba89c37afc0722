"""Copying a delivered message straight to a queue: retries, dead letters and replays."""

from __future__ import annotations

from typing import Any

from aiormq import spec
from aiormq.abc import AbstractChannel, DeliveredMessage


class CopyNotConfirmed(Exception):
    """The broker did not confirm the copy; the original must not be acked."""


async def copy_to_queue(
    channel: AbstractChannel,
    message: DeliveredMessage,
    queue: str,
    headers: dict[str, Any],
) -> None:
    """Publish `message` with `headers` to `queue` (default exchange), persistent and confirmed.

    The body and identifying properties are kept, so consumers still see the
    same message id (and the inbox still deduplicates it).
    """
    properties = message.header.properties
    confirmation = await channel.basic_publish(
        message.body,
        exchange="",
        routing_key=queue,
        properties=spec.Basic.Properties(
            content_type=properties.content_type,
            delivery_mode=2,
            message_id=properties.message_id,
            correlation_id=properties.correlation_id,
            message_type=properties.message_type,
            headers=headers,
        ),
        timeout=10,
    )
    if not isinstance(confirmation, spec.Basic.Ack):
        raise CopyNotConfirmed(f"broker did not confirm the copy to {queue}")
