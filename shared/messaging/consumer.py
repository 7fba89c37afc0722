"""Consumers: handler functions registered per event class, run exactly once per message.

A `Consumer` maps the data classes of the events routed to its queue (the
pydantic models of `shared.events`) to handlers; a handler gets a
`HandlerContext[ThatClass]`, so `ctx.data` is typed. Handlers take their
dependencies (provider clients, pools, settings) when the consumer is built,
never from a global or the app.

For each delivery the runner validates the envelope, opens a transaction,
records `(consumer, message id)` in the inbox (a duplicate is acked and
skipped), calls the handler, commits, and only then acks. A consumer may
register a batch handler for a class instead: it gets every new message of
that class in the delivered batch at once (a single message is a batch of
one), so it can write them with one set-based statement. A handler that
raises `PermanentFailure` sends the message to the dead-letter queue at once;
any other error sends it to the next delayed retry tier, and to the
dead-letter queue once the tiers are exhausted. Dead letters carry headers
naming the error, the attempts and the consumer.

Handlers run in tasks the runner owns, not the channel's: aiormq cancels its
channel's tasks when the channel or connection closes, which would abandon a
provider call half written. Here a handler running when its channel drops
finishes and commits; its ack then fails (logged), the broker redelivers, and
the inbox makes the redelivery a duplicate that is acked. Only `stop()` past
its timeout cancels handlers (a handler may catch that to undo a claim).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection, DeliveredMessage
from pydantic import BaseModel

from shared.database import Cursor, Pool, transaction
from shared.messaging import inbox, outbox, topology
from shared.messaging.connection import BrokerConnection
from shared.messaging.copying import copy_to_queue
from shared.messaging.envelope import Envelope, EventRegistry, InvalidMessage
from shared.messaging.errors import Deferred, PermanentFailure
from shared.observability.context import bound_ids
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-attempt"

EventData = TypeVar("EventData", bound=BaseModel)


@dataclass
class HandlerContext(Generic[EventData]):
    """What a handler gets: the transaction cursor, the message, and a way to emit events."""

    cur: Cursor
    envelope: Envelope
    data: EventData
    registry: EventRegistry
    producer: str

    async def emit(self, data: BaseModel, *, name: str, version: int = 1) -> Envelope:
        """Write a follow-up event to the outbox in this handler's transaction."""
        envelope = self.registry.build(
            data,
            name=name,
            version=version,
            producer=self.producer,
            correlation_id=self.envelope.correlation_id,
            causation_id=str(self.envelope.id),
        )
        await outbox.add(self.cur, envelope)
        return envelope


Handler = Callable[[HandlerContext[Any]], Awaitable[None]]
# Gets the contexts of consecutive new messages of its class, in delivery order, sharing one cursor.
BatchHandler = Callable[[list[HandlerContext[Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A queue and the handler for each event class routed to it.

    `handlers` is keyed by the event's data class (`{SmsRequested: flow.dispatch}`);
    `batch_handlers` likewise, for classes handled a batch at a time (a class is in
    one or the other); a message whose class has no handler here is dead-lettered.

    `batch_size` above 1 handles up to that many ready messages in one
    transaction (one inbox insert, one commit, one ack). Use it only for
    handlers whose every effect is in the database: when a batch fails it is
    rolled back and its messages are handled again one by one, so a handler
    that calls a provider would call it twice.
    """

    queue: topology.QueueSpec
    handlers: Mapping[type[BaseModel], Handler] = field(default_factory=dict)
    batch_size: int = 1
    batch_handlers: Mapping[type[BaseModel], BatchHandler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        both = [cls.__name__ for cls in self.handlers if cls in self.batch_handlers]
        if both:
            raise ValueError(f"{self.name} has a handler and a batch handler for {both}")

    @property
    def name(self) -> str:
        return self.queue.name

    @property
    def event_classes(self) -> list[type[BaseModel]]:
        """Every class this consumer handles, one message or a batch at a time."""
        return [*self.handlers, *self.batch_handlers]


Delivery = tuple[AbstractChannel, DeliveredMessage]


@dataclass(frozen=True)
class _Parsed:
    """A delivery whose envelope and data are valid, with the handler for its class."""

    channel: AbstractChannel
    message: DeliveredMessage
    envelope: Envelope
    data: BaseModel
    handler: Handler | None
    batch_handler: BatchHandler | None


class ConsumerRunner:
    """Consumes every registered consumer's queue; reconnects with the broker connection.

    Each consumer has its own channel (its own prefetch and delivery tags), so a
    channel error on one queue leaves the others running.
    """

    def __init__(
        self,
        pool: Pool,
        broker: BrokerConnection,
        registry: EventRegistry,
        consumers: list[Consumer],
        *,
        producer: str,
        prefetch: int = 32,
    ) -> None:
        known = {event_type.data_model for event_type in registry}
        for consumer in consumers:
            unknown = [cls.__name__ for cls in consumer.event_classes if cls not in known]
            if unknown:
                raise ValueError(f"{consumer.name} handles unregistered event classes {unknown}")
        self._pool = pool
        self._broker = broker
        self._registry = registry
        self._consumers = {consumer.name: consumer for consumer in consumers}
        self._producer = producer
        self._prefetch = prefetch
        self._channels: dict[str, AbstractChannel] = {}
        self._consumer_tags: dict[str, str] = {}
        self._held: set[str] = set()
        self._batches: dict[str, asyncio.Queue[Delivery]] = {}
        self._batch_workers: dict[str, asyncio.Task[None]] = {}
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._consuming = asyncio.Event()
        self.handled_total = 0

    @property
    def consuming(self) -> list[str]:
        """Queues with an active consumer right now."""
        return sorted(
            queue
            for queue in self._consumer_tags
            if queue in self._channels and not self._channels[queue].is_closed
        )

    def start(self) -> None:
        """Begin consuming now and after every reconnect."""
        self._broker.on_connected(self._on_connected)

    async def _on_connected(self, connection: AbstractConnection) -> None:
        if self._stopping:
            return
        self._consuming.clear()
        self._consumer_tags = {}
        for consumer in self._consumers.values():
            channel = await connection.channel(publisher_confirms=True)
            await channel.basic_qos(prefetch_count=max(self._prefetch, consumer.batch_size))
            await topology.declare_exchanges(channel)
            await topology.declare_queue(channel, consumer.queue)
            self._channels[consumer.name] = channel
            await self._consume(consumer.name)
        self._consuming.set()
        log.info("consuming", extra={"queues": sorted(self._consumer_tags)})

    async def wait_consuming(self, timeout: float = 10.0) -> None:
        """Wait until the queues are declared and consumed (after start or a reconnect)."""
        async with asyncio.timeout(timeout):
            await self._consuming.wait()

    def hold(self, queue: str) -> None:
        """Mark `queue` paused before consuming starts (an operator switch read at start-up)."""
        self._held.add(queue)

    async def pause(self, queue: str) -> None:
        """Stop taking messages from `queue` until `resume`, reconnects included.

        The messages wait in their queue; nothing is lost.
        """
        self._held.add(queue)
        tag = self._consumer_tags.pop(queue, None)
        channel = self._channels.get(queue)
        if tag is not None and channel is not None and not channel.is_closed:
            await channel.basic_cancel(tag)

    async def resume(self, queue: str) -> None:
        """Take messages from `queue` again."""
        self._held.discard(queue)
        await self._consume(queue)

    async def apply_holds(self, held: set[str]) -> None:
        """Pause exactly the queues in `held` and resume the others that were paused."""
        for queue in sorted(held - self._held):
            await self.pause(queue)
        for queue in sorted(self._held - held):
            await self.resume(queue)

    @property
    def held(self) -> set[str]:
        """Queues paused by an operator."""
        return set(self._held)

    async def _consume(self, queue: str) -> None:
        channel = self._channels.get(queue)
        if (
            channel is None
            or channel.is_closed
            or queue in self._consumer_tags
            or queue in self._held
        ):
            return
        consumer = self._consumers[queue]
        if consumer.batch_size > 1:
            callback = partial(self._enqueue, consumer, channel)
            self._ensure_batch_worker(consumer)
        else:
            callback = partial(self._on_message, consumer, channel)
        ok = await channel.basic_consume(queue, callback, no_ack=False)
        assert ok.consumer_tag is not None, "the broker always names the consumer"
        self._consumer_tags[queue] = ok.consumer_tag

    async def stop(self, timeout: float = 20.0) -> None:
        """Stop taking messages, finish and ack what is in hand, then close the channels."""
        self._stopping = True
        for queue in list(self._consumer_tags):
            with contextlib.suppress(Exception):
                await self.pause(queue)
        deadline = time.monotonic() + timeout
        while any(not batch.empty() for batch in self._batches.values()):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)  # batch workers are finishing what was delivered
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=max(0.0, deadline - time.monotonic()))
        unfinished = [task for task in self._in_flight if not task.done()]
        if unfinished:
            # Past the stop timeout: the only place handlers are cancelled. Their transactions
            # roll back and their messages, never acked, are redelivered to another worker.
            log.warning(
                "cancelling handlers still running at shutdown", extra={"count": len(unfinished)}
            )
            for task in unfinished:
                task.cancel()
            await asyncio.wait(unfinished, timeout=5)
        for worker in self._batch_workers.values():
            await cancel_and_wait(worker)
        for channel in list(self._channels.values()):  # connecting may still add one
            if not channel.is_closed:
                with contextlib.suppress(Exception):
                    await channel.close()

    async def _on_message(
        self, consumer: Consumer, channel: AbstractChannel, message: DeliveredMessage
    ) -> None:
        if self._stopping:
            # Delivered after `stop()` paused the queue (it was already on the wire): never
            # started, never acked, so the broker redelivers it when the channel closes.
            return
        # Our own task, so closing the channel (which cancels the channel's tasks) leaves it be.
        task = asyncio.get_running_loop().create_task(
            self._process(consumer, channel, message), name=f"handle-{consumer.name}"
        )
        self._in_flight.add(task)
        task.add_done_callback(self._handler_done)

    def _handler_done(self, task: asyncio.Task[Any]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("consumer handler task failed", exc_info=task.exception())

    async def _enqueue(
        self, consumer: Consumer, channel: AbstractChannel, message: DeliveredMessage
    ) -> None:
        if self._stopping:
            return  # as in `_on_message`: left unacked for the broker to redeliver
        await self._batches[consumer.name].put((channel, message))

    def _ensure_batch_worker(self, consumer: Consumer) -> None:
        self._batches.setdefault(consumer.name, asyncio.Queue())
        worker = self._batch_workers.get(consumer.name)
        if worker is None or worker.done():
            self._batch_workers[consumer.name] = asyncio.get_running_loop().create_task(
                self._batch_worker(consumer), name=f"batch-{consumer.name}"
            )

    async def _batch_worker(self, consumer: Consumer) -> None:
        """Handle deliveries in order, as many as are ready (up to batch_size) at a time."""
        queue = self._batches[consumer.name]
        task = asyncio.current_task()
        assert task is not None
        while True:
            batch = [await queue.get()]
            while len(batch) < consumer.batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            self._in_flight.add(task)
            try:
                await self._process_batch(consumer, batch)
            except Exception:
                log.exception("batch worker failed; deliveries will be redelivered")
            finally:
                self._in_flight.discard(task)

    def _parse(
        self, consumer: Consumer, channel: AbstractChannel, message: DeliveredMessage
    ) -> _Parsed:
        """Validate the envelope and data, find the handler; InvalidMessage when either fails."""
        envelope, data = self._registry.parse(message.body)
        handler = consumer.handlers.get(type(data))
        batch_handler = consumer.batch_handlers.get(type(data))
        if handler is None and batch_handler is None:
            raise InvalidMessage(f"{consumer.name} has no handler for {envelope.type}")
        return _Parsed(channel, message, envelope, data, handler, batch_handler)

    async def _process_batch(self, consumer: Consumer, batch: list[Delivery]) -> None:
        parsed: list[_Parsed] = []
        for channel, message in batch:
            if channel.is_closed:
                continue  # its delivery died with the channel; the broker redelivers it
            try:
                parsed.append(self._parse(consumer, channel, message))
            except InvalidMessage as exc:
                with _delivery_ids(message):
                    await self._dead_letter(
                        consumer, channel, message, str(exc), _attempt(message) + 1
                    )
        if not parsed:
            return
        started = time.perf_counter()
        try:
            outcomes = await self._handle(consumer, parsed)
        except Exception as exc:
            log.warning(
                "batch failed, handling its messages one by one",
                extra={"consumer": consumer.name, "error_type": type(exc).__name__},
            )
            for item in parsed:
                await self._process(consumer, item.channel, item.message)
            return
        last_tags: dict[int, tuple[AbstractChannel, int]] = {}
        for item in parsed:
            assert item.message.delivery_tag is not None
            last_tags[id(item.channel)] = (item.channel, item.message.delivery_tag)
        for channel, tag in last_tags.values():
            await _ack_tag(channel, tag, multiple=True)  # one ack for the whole batch
        self.handled_total += len(parsed)
        duration_ms = _since(started)
        for item, outcome in zip(parsed, outcomes, strict=True):
            with bound_ids(
                request_id=str(item.envelope.id), correlation_id=item.envelope.correlation_id
            ):
                _log_handled(consumer, item.envelope, outcome, duration_ms, batch=len(parsed))

    async def _handle(self, consumer: Consumer, items: list[_Parsed]) -> list[str]:
        """One transaction: record every message in the inbox, run the handlers of new ones.

        The inbox rows of the whole batch go in one multi-row INSERT sent with BEGIN; a
        message already recorded (or a second copy within the batch) is a duplicate and
        its handler does not run. Consecutive new messages of a batch-handled class go to
        their batch handler in one call, so the order of effects is the delivery order.
        """
        record_inbox = inbox.record(consumer.name, [str(item.envelope.id) for item in items])
        async with transaction(self._pool, first=record_inbox) as cur:
            fresh = {row[0] for row in await cur.fetchall()}
            outcomes = []
            run: list[HandlerContext[Any]] = []
            run_handler: BatchHandler | None = None
            for item in items:
                message_id = str(item.envelope.id)
                if message_id not in fresh:
                    outcomes.append("duplicate")
                    continue
                fresh.discard(message_id)  # a second copy in the same batch is a duplicate
                outcomes.append("handled")
                context = HandlerContext(
                    cur, item.envelope, item.data, self._registry, self._producer
                )
                if run and item.batch_handler is not run_handler:
                    await _run_batch(run_handler, run)
                    run = []
                if item.batch_handler is not None:
                    run_handler = item.batch_handler
                    run.append(context)
                    continue
                assert item.handler is not None, "_parse found one or the other"
                with bound_ids(request_id=message_id, correlation_id=item.envelope.correlation_id):
                    await item.handler(context)
            if run:
                await _run_batch(run_handler, run)
        return outcomes

    async def _process(
        self, consumer: Consumer, channel: AbstractChannel, message: DeliveredMessage
    ) -> None:
        attempt = _attempt(message)
        with _delivery_ids(message):
            try:
                item = self._parse(consumer, channel, message)
            except InvalidMessage as exc:
                await self._dead_letter(consumer, channel, message, str(exc), attempt + 1)
                return
            started = time.perf_counter()
            try:
                (outcome,) = await self._handle(consumer, [item])
            except PermanentFailure as exc:
                await self._dead_letter(
                    consumer, channel, message, f"{type(exc).__name__}: {exc}", attempt + 1
                )
                return
            except Deferred as exc:
                await self._defer(consumer, channel, message, exc, attempt)
                return
            except Exception as exc:
                await self._retry_or_dead_letter(consumer, channel, message, exc, attempt)
                return
            await _ack(channel, message)
            self.handled_total += 1
            _log_handled(consumer, item.envelope, outcome, _since(started), attempt=attempt)

    async def _retry_or_dead_letter(
        self,
        consumer: Consumer,
        channel: AbstractChannel,
        message: DeliveredMessage,
        exc: Exception,
        attempt: int,
    ) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:500]
        tiers = consumer.queue.retry_tiers
        if attempt >= len(tiers):
            await self._dead_letter(
                consumer, channel, message, f"retries exhausted; last error {reason}", attempt + 1
            )
            return
        tier = tiers[attempt]
        if not await self._republish(
            channel, message, consumer.queue.retry_queue(tier), {ATTEMPT_HEADER: attempt + 1}
        ):
            return
        await _ack(channel, message)
        log.warning(
            "message failed, retrying later",
            extra={
                "consumer": consumer.name,
                "attempt": attempt + 1,
                "retry_in": tier.name,
                "error_type": type(exc).__name__,
            },
        )

    async def _defer(
        self,
        consumer: Consumer,
        channel: AbstractChannel,
        message: DeliveredMessage,
        exc: Deferred,
        attempt: int,
    ) -> None:
        """Park the message in the shortest retry tier that covers the wait; attempts unchanged."""
        tiers = consumer.queue.retry_tiers
        tier = next((t for t in tiers if t.delay_ms >= exc.retry_after * 1000), tiers[-1])
        await self._republish(
            channel, message, consumer.queue.retry_queue(tier), {ATTEMPT_HEADER: attempt}
        )
        await _ack(channel, message)
        log.info(
            "message deferred",
            extra={"consumer": consumer.name, "retry_in": tier.name, "reason": str(exc)[:100]},
        )

    async def _dead_letter(
        self,
        consumer: Consumer,
        channel: AbstractChannel,
        message: DeliveredMessage,
        reason: str,
        attempts: int,
    ) -> None:
        if not await self._republish(
            channel,
            message,
            consumer.queue.dead_letter_queue,
            {
                "x-error": reason[:1000],
                "x-attempts": attempts,
                "x-consumer": consumer.name,
                "x-original-routing-key": message.routing_key or "",
                "x-dead-lettered-at": int(time.time()),
            },
        ):
            return
        await _ack(channel, message)
        log.error(
            "message dead-lettered",
            extra={"consumer": consumer.name, "reason": reason[:200], "attempts": attempts},
        )

    async def _republish(
        self,
        channel: AbstractChannel,
        message: DeliveredMessage,
        queue: str,
        extra_headers: dict[str, Any],
    ) -> bool:
        """Copy to `queue` with the original headers plus `extra_headers`, before the ack.

        False when the channel went away first: the message is not acked, so the
        broker redelivers it and it is handled (and retried) again.
        """
        headers = dict(message.header.properties.headers or {})
        headers.update(extra_headers)
        try:
            await copy_to_queue(channel, message, queue, headers)
        except CHANNEL_GONE as exc:
            log.warning(
                "could not move the message, the channel closed; the broker redelivers it",
                extra={"queue": queue, "error_type": type(exc).__name__},
            )
            return False
        return True


async def _run_batch(handler: BatchHandler | None, contexts: list[HandlerContext[Any]]) -> None:
    """Call a batch handler; log lines of a batch of one carry its message's ids."""
    assert handler is not None, "a run of contexts always has its batch handler"
    if len(contexts) > 1:
        await handler(contexts)
        return
    envelope = contexts[0].envelope
    with bound_ids(request_id=str(envelope.id), correlation_id=envelope.correlation_id):
        await handler(contexts)


# What acking (or republishing) on a channel that went away raises.
CHANNEL_GONE = (aiormq.AMQPError, aiormq.exceptions.ChannelInvalidStateError, ConnectionError)


async def _ack(channel: AbstractChannel, message: DeliveredMessage) -> None:
    tag = message.delivery_tag
    assert tag is not None, "consumed messages always carry a delivery tag"
    await _ack_tag(channel, tag)


async def _ack_tag(channel: AbstractChannel, tag: int, *, multiple: bool = False) -> None:
    """Ack; when the channel is gone, log it: the broker redelivers and the inbox dedupes."""
    try:
        await channel.basic_ack(tag, multiple=multiple)
    except CHANNEL_GONE as exc:
        log.warning(
            "ack failed, the channel closed; the broker redelivers and the inbox skips it",
            extra={"error_type": type(exc).__name__, "delivery_tag": tag},
        )


def _log_handled(
    consumer: Consumer, envelope: Envelope, outcome: str, duration_ms: float, **fields: int
) -> None:
    """The one line per message handled (or skipped as a duplicate)."""
    log.info(
        "message handled",
        extra={
            "consumer": consumer.name,
            "event_type": envelope.type,
            "message_id": str(envelope.id),
            "outcome": outcome,
            **fields,
            "duration_ms": duration_ms,
        },
    )


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@contextlib.contextmanager
def _delivery_ids(message: DeliveredMessage) -> Iterator[None]:
    """Log lines about a delivery carry its message and correlation ids (from its headers)."""
    properties = message.header.properties
    with bound_ids(request_id=properties.message_id, correlation_id=properties.correlation_id):
        yield


def _attempt(message: DeliveredMessage) -> int:
    """How many times the message was retried before (the retry tiers count it)."""
    headers = message.header.properties.headers or {}
    return _int_header(headers.get(ATTEMPT_HEADER))


def _int_header(value: object) -> int:
    if isinstance(value, int | str):
        with contextlib.suppress(ValueError):
            return max(0, int(value))
    return 0
