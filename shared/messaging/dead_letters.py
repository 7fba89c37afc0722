"""Operator access to dead-letter queues: list, show, replay and purge.

Reading uses `basic_get` without acking and closes the channel at the end, so
every message not replayed returns to its queue untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiormq import spec
from aiormq.abc import AbstractChannel, DeliveredMessage

from shared.messaging.copying import CopyNotConfirmed, copy_to_queue
from shared.messaging.topology import QueueSpec


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message as an operator sees it."""

    message_id: str | None
    event_type: str | None
    correlation_id: str | None
    error: str | None
    attempts: int | None
    consumer: str | None
    body: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _describe(message: DeliveredMessage) -> DeadLetter:
    properties = message.header.properties
    headers = properties.headers or {}
    error = headers.get("x-error")
    if error is None and headers.get("x-death"):
        error = "dead-lettered by the broker (delivery limit reached)"
    attempts = headers.get("x-attempts")
    return DeadLetter(
        message_id=properties.message_id,
        event_type=properties.message_type or message.routing_key,
        correlation_id=properties.correlation_id,
        error=str(error) if error is not None else None,
        attempts=int(attempts) if isinstance(attempts, int) else None,
        consumer=str(headers.get("x-consumer")) if headers.get("x-consumer") else None,
        body=message.body.decode(errors="replace"),
    )


async def depth(channel: AbstractChannel, queue: str) -> int:
    """Messages ready in `queue` (passive declare: fails if the queue does not exist)."""
    ok = await channel.queue_declare(queue, passive=True)
    return int(ok.message_count or 0)


async def list_dead_letter_queues(
    channel: AbstractChannel, queues: tuple[QueueSpec, ...]
) -> list[dict[str, Any]]:
    """Every consumer's dead-letter queue with its depth."""
    return [
        {"queue": q.dead_letter_queue, "messages": await depth(channel, q.dead_letter_queue)}
        for q in queues
    ]


async def _drain(channel: AbstractChannel, queue: str, limit: int) -> list[DeliveredMessage]:
    messages = []
    for _ in range(limit):
        message = await channel.basic_get(queue, no_ack=False)
        if isinstance(message.delivery, spec.Basic.GetEmpty):
            break
        messages.append(message)
    return messages


async def show(channel: AbstractChannel, queue: str, limit: int = 100) -> list[DeadLetter]:
    """Up to `limit` messages of a dead-letter queue; they stay in the queue."""
    messages = await _drain(channel, queue, limit)
    result = [_describe(message) for message in messages]
    for message in messages:
        assert message.delivery_tag is not None
        await channel.basic_nack(message.delivery_tag, requeue=True)
    return result


async def replay(
    channel: AbstractChannel, spec_: QueueSpec, *, message_id: str | None, limit: int = 10_000
) -> list[str]:
    """Send dead letters (one by id, or all) back to their consumer queue, attempts reset."""
    replayed: list[str] = []
    messages = await _drain(channel, spec_.dead_letter_queue, limit)
    for message in messages:
        properties = message.header.properties
        assert message.delivery_tag is not None
        if message_id is not None and properties.message_id != message_id:
            await channel.basic_nack(message.delivery_tag, requeue=True)
            continue
        headers = {
            key: value
            for key, value in (properties.headers or {}).items()
            if not key.startswith("x-")
        }
        headers["x-correlation-id"] = properties.correlation_id
        headers["x-replayed"] = True
        try:
            await copy_to_queue(channel, message, spec_.name, headers)
        except CopyNotConfirmed:
            await channel.basic_nack(message.delivery_tag, requeue=True)
            raise
        await channel.basic_ack(message.delivery_tag)
        replayed.append(properties.message_id or "")
    return replayed


async def purge(channel: AbstractChannel, queue: str) -> int:
    """Delete every message of a dead-letter queue; returns how many."""
    ok = await channel.queue_purge(queue)
    return int(ok.message_count or 0)


def body_json(letter: DeadLetter) -> Any:
    """The message body parsed as JSON when it is JSON, else the raw text."""
    try:
        return json.loads(letter.body)
    except ValueError:
        return letter.body
