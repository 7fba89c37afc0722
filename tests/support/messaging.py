"""A throwaway event type, queue and handler whose effect is one row per handled message."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import aiormq
from aiormq import spec
from pydantic import BaseModel

from shared.database import Pool, transaction
from shared.messaging import outbox, topology
from shared.messaging.connection import BrokerConnection
from shared.messaging.consumer import Consumer, ConsumerRunner, HandlerContext
from shared.messaging.envelope import Envelope, EventRegistry, EventType
from shared.messaging.errors import PermanentFailure
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import QueueSpec, RetryTier
from tests.support.polling import eventually

FAST_TIERS = (RetryTier("50ms", 50), RetryTier("100ms", 100))


class Bump(BaseModel):
    n: int


@dataclass
class EffectHarness:
    """Builds relays and consumer runners on one fresh event type and queue."""

    pool: Pool
    amqp_url: str
    database_url: str
    tiers: tuple[RetryTier, ...] = FAST_TIERS
    failing: set[int] = field(default_factory=set)
    permanently_failing: set[int] = field(default_factory=set)
    handler_delay: float = 0.0
    started: list[int] = field(default_factory=list)
    # Handlers that ran to their end (an effect outside the transaction, like a provider call).
    finished: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    # The numbers each batch handler call got, in order (calls that raised included).
    batch_calls: list[list[int]] = field(default_factory=list)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    _runners: list[ConsumerRunner] = field(default_factory=list)
    _relays: list[OutboxRelay] = field(default_factory=list)
    _brokers: list[BrokerConnection] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.event_name = f"test.bumped_{self.suffix}"
        self.registry = EventRegistry(EventType(self.event_name, 1, Bump, "a test event"))
        self.queue = QueueSpec(f"test.{self.suffix}", (self.event_name,), self.tiers)

    async def setup(self) -> None:
        async with transaction(self.pool) as cur:
            await cur.execute(
                "CREATE TABLE IF NOT EXISTS test_effects ("
                " queue text NOT NULL, n int NOT NULL, message_id uuid NOT NULL,"
                " correlation_id text)"
            )

    async def handle(self, ctx: HandlerContext[Bump]) -> None:
        n = ctx.data.n
        self.started.append(n)
        if self.handler_delay:
            try:
                await asyncio.sleep(self.handler_delay)
            except asyncio.CancelledError:
                self.cancelled.append(n)
                raise
        if n in self.permanently_failing:
            raise PermanentFailure(f"bump {n} can never work")
        if n in self.failing:
            raise RuntimeError(f"bump {n} failed")
        await ctx.cur.execute(
            "INSERT INTO test_effects (queue, n, message_id, correlation_id)"
            " VALUES (%s, %s, %s, %s)",
            (self.queue.name, n, str(ctx.envelope.id), ctx.envelope.correlation_id),
        )
        self.finished.append(n)

    async def handle_batch(self, contexts: list[HandlerContext[Bump]]) -> None:
        """The same effect as `handle`, a batch at a time in one INSERT ... SELECT unnest."""
        numbers = [ctx.data.n for ctx in contexts]
        self.batch_calls.append(numbers)
        self.started.extend(numbers)
        if self.handler_delay:
            await asyncio.sleep(self.handler_delay)
        for n in numbers:
            if n in self.permanently_failing:
                raise PermanentFailure(f"bump {n} can never work")
            if n in self.failing:
                raise RuntimeError(f"bump {n} failed")
        await contexts[0].cur.execute(
            "INSERT INTO test_effects (queue, n, message_id, correlation_id)"
            " SELECT %s, unnest(%s::int[]), unnest(%s::uuid[]), unnest(%s::text[])",
            (
                self.queue.name,
                numbers,
                [str(ctx.envelope.id) for ctx in contexts],
                [ctx.envelope.correlation_id for ctx in contexts],
            ),
        )
        self.finished.extend(numbers)

    def consumer(self, batch_size: int = 1, *, batched: bool = False) -> Consumer:
        if batched:
            return Consumer(
                self.queue, batch_handlers={Bump: self.handle_batch}, batch_size=batch_size
            )
        return Consumer(self.queue, {Bump: self.handle}, batch_size=batch_size)

    def envelope(self, n: int, correlation_id: str = "corr-test") -> Envelope:
        return self.registry.build(
            Bump(n=n), name=self.event_name, producer="tests", correlation_id=correlation_id
        )

    async def broker(self) -> BrokerConnection:
        broker = BrokerConnection(self.amqp_url, name="tests", max_backoff_seconds=0.5)
        broker.start()
        await broker.connection(timeout=10)
        self._brokers.append(broker)
        return broker

    async def runner(
        self, prefetch: int = 32, batch_size: int = 1, *, batched: bool = False
    ) -> ConsumerRunner:
        runner = ConsumerRunner(
            self.pool,
            await self.broker(),
            self.registry,
            [self.consumer(batch_size, batched=batched)],
            producer="tests",
            prefetch=prefetch,
        )
        runner.start()
        self._runners.append(runner)
        await runner.wait_consuming()
        return runner

    async def publish_paused(
        self, runner: ConsumerRunner, envelopes: list[Envelope]
    ) -> aiormq.abc.AbstractConnection:
        """Publish straight to the exchange with the queue paused, so they are ready together.

        Returns the connection (the caller closes it), to inspect the queues with.
        """
        connection = await aiormq.connect(self.amqp_url)
        channel = await connection.channel()
        await runner.pause(self.queue.name)
        for envelope in envelopes:
            await channel.basic_publish(
                envelope.to_json().encode(),
                exchange=topology.EVENTS_EXCHANGE,
                routing_key=self.event_name,
                properties=spec.Basic.Properties(delivery_mode=2, message_id=str(envelope.id)),
            )
        await runner.resume(self.queue.name)
        return connection

    async def relay(self, listening_poll_interval: float = 10.0) -> OutboxRelay:
        relay = OutboxRelay(
            self.pool,
            await self.broker(),
            dsn=self.database_url,
            poll_interval=0.5,
            listening_poll_interval=listening_poll_interval,
        )
        relay.start()
        self._relays.append(relay)
        return relay

    async def emit(self, numbers: range | list[int], per_transaction: int = 500) -> None:
        numbers = list(numbers)
        for start in range(0, len(numbers), per_transaction):
            async with transaction(self.pool) as cur:
                await outbox.add_many(
                    cur, [self.envelope(n) for n in numbers[start : start + per_transaction]]
                )

    async def effects(self) -> tuple[int, int]:
        """(rows, distinct numbers) of this harness's effects."""
        async with self.pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "SELECT count(*), count(DISTINCT n) FROM test_effects WHERE queue = %s",
                (self.queue.name,),
            )
            rows, distinct = await cur.fetchone()
        return int(rows), int(distinct)

    async def wait_for_effects(self, expected: int, timeout: float = 30) -> None:
        """Wait until `expected` distinct numbers have their effect row."""

        async def done() -> None:
            rows, distinct = await self.effects()
            assert distinct == expected, (rows, distinct)

        await eventually(done, timeout=timeout, interval=0.1)

    async def close(self) -> None:
        for runner in self._runners:
            await runner.stop(timeout=5)
        for relay in self._relays:
            await relay.stop()
        for broker in self._brokers:
            await broker.close()
