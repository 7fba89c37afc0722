"""The outbox relay: the only code that publishes events.

It wakes on `LISTEN outbox` (the insert trigger notifies on commit) and polls
as a fallback (every `listening_poll_interval`, 10 s, while LISTEN is open; every
`poll_interval`, 1 s, while it is not, so an idle role does not commit a
transaction a second), takes a batch of pending rows with `FOR UPDATE SKIP LOCKED`
(so several relays share the work without overlap; a short batch means nothing else
was committed before it, so the relay waits for the next notification rather than
asking again), publishes the batch as one
write with a publisher confirm per row (`batch_publish`), and marks the confirmed
rows published in the same transaction, sending that UPDATE with its COMMIT (so a
batch costs the database two round trips). A crash between confirm and commit
publishes those rows again; consumers absorb that through their inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any, cast

import aiopg
import aiormq
import psycopg2
from aiormq import spec

from shared.database import Pool, transaction
from shared.messaging import outbox, topology
from shared.messaging.batch_publish import OutgoingMessage, publish_confirmed
from shared.messaging.connection import BrokerConnection, BrokerUnavailable
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

_SELECT_PENDING = (
    "SELECT id, message_id, event_type, correlation_id, body FROM outbox"
    " WHERE published_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)


class PublishFailed(Exception):
    """The broker refused or did not confirm some messages; their rows stay pending."""


def message_properties(
    message_id: str, event_type: str, correlation_id: str
) -> spec.Basic.Properties:
    """AMQP properties of an event: persistent JSON, ids in properties and headers."""
    return spec.Basic.Properties(
        content_type="application/json",
        delivery_mode=2,
        message_id=message_id,
        correlation_id=correlation_id,
        message_type=event_type,
        headers={"x-correlation-id": correlation_id},
    )


def _outgoing(row: tuple[Any, ...]) -> OutgoingMessage:
    _, message_id, event_type, correlation_id, body = row
    return OutgoingMessage(
        exchange=topology.EVENTS_EXCHANGE,
        routing_key=event_type,
        body=body.encode(),
        properties=message_properties(str(message_id), event_type, correlation_id),
    )


class OutboxRelay:
    """Publishes committed outbox rows to the events exchange, forever, until stopped."""

    def __init__(
        self,
        pool: Pool,
        broker: BrokerConnection,
        *,
        dsn: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        listening_poll_interval: float = 10.0,
        confirm_timeout: float = 10.0,
        queues: tuple[topology.QueueSpec, ...] = topology.QUEUES,
    ) -> None:
        self._queues = queues
        self._pool = pool
        self._broker = broker
        self._dsn = dsn
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._listening_poll_interval = listening_poll_interval
        self._confirm_timeout = confirm_timeout
        self._channel: aiormq.Channel | None = None
        self._listen_conn: aiopg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.published_total = 0

    def start(self) -> None:
        """Run in the background until `stop()`."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after the batch in hand (its transaction either commits or rolls back)."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        if self._listen_conn is not None:
            await self._listen_conn.close()
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):
                await self._channel.close()

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._ensure_listening()
                published = await self.publish_batch()
                failures = 0
                if published >= self._batch_size or (published and not self._listening()):
                    continue  # more may be waiting; drain before sleeping
                # Rows committed since the batch was taken have notified: the wait ends at once.
                await self._wait_for_work()
            except (BrokerUnavailable, PublishFailed, psycopg2.Error, OSError, TimeoutError) as exc:
                failures += 1
                delay = random.uniform(0, min(5.0, 0.1 * 2**failures))  # noqa: S311
                log.warning(
                    "outbox relay failed, retrying",
                    extra={"error_type": type(exc).__name__, "attempt": failures},
                )
                await self._drop_channel()
                await asyncio.sleep(delay)

    async def publish_batch(self) -> int:
        """Publish one batch of pending rows; returns how many were confirmed."""
        async with transaction(self._pool, first=(_SELECT_PENDING, (self._batch_size,))) as cur:
            rows = await cur.fetchall()
            if not rows:
                return 0
            channel = await self._get_channel()
            try:
                acked = await publish_confirmed(
                    channel, [_outgoing(row) for row in rows], timeout=self._confirm_timeout
                )
            except Exception as exc:  # a channel or connection lost mid-batch, in any form
                # (aiormq rejects pending futures with the close reason, or bare Exception)
                raise PublishFailed(f"batch of {len(rows)} not published") from exc
            confirmed = [row[0] for row, ok in zip(rows, acked, strict=True) if ok]
            if confirmed:
                await outbox.mark_published_and_commit(cur, confirmed)
        self.published_total += len(confirmed)
        if len(confirmed) < len(rows):
            raise PublishFailed(f"{len(rows) - len(confirmed)} of {len(rows)} not confirmed")
        return len(confirmed)

    async def _get_channel(self) -> aiormq.Channel:
        if self._channel is None or self._channel.is_closed:
            # The concrete channel: publish_confirmed reaches its confirmation bookkeeping.
            self._channel = cast(
                aiormq.Channel,
                await self._broker.channel(timeout=2.0, publisher_confirms=True),
            )
            # Declaring every consumer queue before publishing means no event is dropped as
            # unroutable because its consumer has not started yet (first deploy, new queue).
            await topology.declare(self._channel, self._queues)
        return self._channel

    async def _drop_channel(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None and not channel.is_closed:
            with contextlib.suppress(Exception):
                await channel.close()

    def _listening(self) -> bool:
        return self._listen_conn is not None and not self._listen_conn.closed

    async def _ensure_listening(self) -> None:
        if self._listening():
            return
        try:
            conn = await aiopg.connect(self._dsn, timeout=5.0)
            async with conn.cursor() as cur:
                await cur.execute("LISTEN outbox")
        except (psycopg2.Error, OSError, TimeoutError):
            self._listen_conn = None  # polling still finds the work
            raise
        self._listen_conn = conn

    async def _wait_for_work(self) -> None:
        conn = self._listen_conn
        if conn is None or conn.closed:
            await asyncio.sleep(self._poll_interval)
            return
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow our cancellation when a
        # notification lands at the same moment, and the relay would then never stop.
        # LISTEN open: a notification wakes us, the poll only catches a row whose NOTIFY was lost.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._listening_poll_interval):
                await conn.notifies.get()
        while not conn.notifies.empty():  # one wake-up serves every pending notification
            conn.notifies.get_nowait()
