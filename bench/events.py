"""Event backbone benchmark: raw aiormq vs our outbox pipeline, throughput and lag.

    .venv/bin/python -m bench.events [--events 20000] [--rate 200] [--seconds 10]

It creates its own database and vhost, runs the consumer side in a second
process (as the worker would run), and prints:
(a) raw aiormq: publish with pipelined confirms + consume with acks, events/s;
(b) our pipeline: outbox insert committed -> relay -> consumer handler committed, events/s,
    and the ratio to (a); (a) and (b) alternate over ROUNDS rounds of events/ROUNDS each;
(c) at a steady offered load (default 200 events/s): p50/p99 latency from the
    producer's commit to the handler's commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any

import aiormq
from aiormq import spec
from pydantic import BaseModel

from bench.results import save_results
from shared.database import Pool, create_pool, transaction
from shared.messaging import outbox
from shared.messaging.connection import BrokerConnection
from shared.messaging.consumer import Consumer, ConsumerRunner, HandlerContext
from shared.messaging.envelope import EventRegistry, EventType
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import QueueSpec
from tests.support import infra

EVENT = "bench.tick"
RAW_QUEUE = "bench.raw"


class Tick(BaseModel):
    n: int
    phase: str


ROUNDS = 2
BATCH_SIZES = (1, 64)
REGISTRY = EventRegistry(EventType(EVENT, 1, Tick, "benchmark event"))
QUEUE = QueueSpec("bench.pipeline", (EVENT,))


async def _pool(url: str, size: int = 10) -> Pool:
    return await create_pool(url, max_size=size, statement_timeout_ms=0, application_name="bench")


# ---- consumer side (second process) -------------------------------------------------


async def consume_raw(amqp_url: str, expected: int) -> None:
    connection = await aiormq.connect(amqp_url)
    channel = await connection.channel()
    await channel.basic_qos(prefetch_count=256)
    done = asyncio.Event()
    count = 0

    async def on_message(message: aiormq.abc.DeliveredMessage) -> None:
        nonlocal count
        assert message.delivery_tag is not None
        await channel.basic_ack(message.delivery_tag)
        count += 1
        if count >= expected:
            done.set()

    await channel.basic_consume(RAW_QUEUE, on_message, no_ack=False)
    print(json.dumps({"ready": True}), flush=True)
    await done.wait()
    print(json.dumps({"finished_at": time.time()}), flush=True)
    await connection.close()


async def consume_pipeline(
    amqp_url: str, database_url: str, seconds: float, batch_size: int
) -> None:
    pool = await _pool(database_url)

    async def handle(contexts: list[HandlerContext[Tick]]) -> None:
        # A batch handler: the batch's effects in one statement, as a real DB-only consumer would.
        await contexts[0].cur.execute(
            "INSERT INTO bench_effects (phase, n, handled_at)"
            " SELECT unnest(%s::text[]), unnest(%s::int[]), clock_timestamp()",
            ([ctx.data.phase for ctx in contexts], [ctx.data.n for ctx in contexts]),
        )

    broker = BrokerConnection(amqp_url, name="bench-worker")
    broker.start()
    consumer = Consumer(QUEUE, batch_handlers={Tick: handle}, batch_size=batch_size)
    runner = ConsumerRunner(pool, broker, REGISTRY, [consumer], producer="bench", prefetch=128)
    runner.start()
    await runner.wait_consuming()
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.sleep(seconds)
    await runner.stop()
    await broker.close()
    pool.close()
    await pool.wait_closed()


# ---- producer side (this process) ---------------------------------------------------


def _start_consumer(*args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.events", *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert json.loads(process.stdout.readline())["ready"]
    return process


async def bench_raw(amqp_url: str, events: int) -> float:
    connection = await aiormq.connect(amqp_url)
    channel = await connection.channel()
    await channel.queue_declare(RAW_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    consumer = _start_consumer("consume-raw", amqp_url, str(events))
    body = json.dumps({"n": 0, "padding": "x" * 300}).encode()
    properties = spec.Basic.Properties(delivery_mode=2, content_type="application/json")
    started = time.time()
    for start in range(0, events, 500):
        batch = range(start, min(start + 500, events))
        await asyncio.gather(
            *(
                channel.basic_publish(body, routing_key=RAW_QUEUE, properties=properties)
                for _ in batch
            )
        )
    assert consumer.stdout is not None
    finished = json.loads(consumer.stdout.readline())["finished_at"]
    consumer.wait(timeout=30)
    await connection.close()
    return events / (finished - started)


async def _wait_handled(pool: Pool, phase: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT count(*) FROM bench_effects WHERE phase = %s", (phase,))
            if (await cur.fetchone())[0] >= expected:
                return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{phase}: not all {expected} events handled in {timeout}s")


async def bench_pipeline(
    pool: Pool, broker: BrokerConnection, database_url: str, events: int, phase: str
) -> float:
    relay = OutboxRelay(pool, broker, dsn=database_url, queues=(QUEUE,))
    relay.start()
    started = time.time()
    for start in range(0, events, 100):
        async with transaction(pool) as cur:
            await outbox.add_many(
                cur,
                [
                    REGISTRY.build(
                        Tick(n=n, phase=phase),
                        name=EVENT,
                        producer="bench",
                        correlation_id="bench",
                    )
                    for n in range(start, min(start + 100, events))
                ],
            )
    await _wait_handled(pool, phase, events, timeout=300)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT EXTRACT(EPOCH FROM max(handled_at)) FROM bench_effects WHERE phase = %s",
            (phase,),
        )
        finished = float((await cur.fetchone())[0])
    await relay.stop()
    return events / (finished - started)


async def bench_latency(
    pool: Pool, broker: BrokerConnection, database_url: str, rate: int, seconds: float, phase: str
) -> list[float]:
    relay = OutboxRelay(pool, broker, dsn=database_url, queues=(QUEUE,))
    relay.start()
    committed: dict[int, float] = {}
    total = int(rate * seconds)
    started = time.monotonic()
    for n in range(total):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        async with transaction(pool) as cur:
            await outbox.add(
                cur,
                REGISTRY.build(
                    Tick(n=n, phase=phase), name=EVENT, producer="bench", correlation_id="bench"
                ),
            )
        committed[n] = time.time()
    await _wait_handled(pool, phase, total, timeout=60)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT n, EXTRACT(EPOCH FROM handled_at) FROM bench_effects WHERE phase = %s",
            (phase,),
        )
        rows = await cur.fetchall()
    await relay.stop()
    return sorted((float(handled) - committed[n]) * 1000 for n, handled in rows)


def _progress(text: str) -> None:
    print(f"[bench.events] {text}", file=sys.stderr, flush=True)


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(events: int, rate: int, seconds: float) -> dict[str, Any]:
    database = infra.unique_name("origin_bench")
    vhost = infra.unique_name("origin_bench")
    database_url = infra.create_database(database)
    amqp_url = infra.create_vhost(vhost)
    try:
        pool = await _pool(database_url)
        from shared.migrate import migrate

        await migrate(pool)
        async with transaction(pool) as cur:
            await cur.execute(
                "CREATE TABLE bench_effects (phase text, n int, handled_at timestamptz)"
            )
        broker = BrokerConnection(amqp_url, name="bench-producer")
        broker.start()
        budget = str(events / 500 + seconds + 120)
        # Reference and pipeline rounds alternate, so the machine's load weighs on both;
        # each side's rate is its events over its summed time across the rounds.
        per_round = max(1, events // ROUNDS)
        raw_seconds = 0.0
        pipeline_seconds = dict.fromkeys(BATCH_SIZES, 0.0)
        for round_ in range(ROUNDS):
            _progress(f"round {round_ + 1}/{ROUNDS}, raw aiormq: {per_round} messages")
            raw_seconds += per_round / await bench_raw(amqp_url, per_round)
            for batch_size in BATCH_SIZES:
                consumer = _start_consumer(
                    "consume-pipeline", amqp_url, database_url, budget, str(batch_size)
                )
                _progress(f"round {round_ + 1}/{ROUNDS}, pipeline batch {batch_size}")
                rate_ = await bench_pipeline(
                    pool, broker, database_url, per_round, f"tp{batch_size}_{round_}"
                )
                pipeline_seconds[batch_size] += per_round / rate_
                consumer.terminate()
                consumer.wait(timeout=30)
        raw_rate = per_round * ROUNDS / raw_seconds
        results: dict[int, tuple[float, list[float]]] = {}
        for batch_size in BATCH_SIZES:
            consumer = _start_consumer(
                "consume-pipeline", amqp_url, database_url, budget, str(batch_size)
            )
            _progress(f"pipeline, batch size {batch_size}: {rate} events/s for {seconds} s")
            lags = await bench_latency(
                pool, broker, database_url, rate, seconds, f"lat{batch_size}"
            )
            consumer.terminate()
            consumer.wait(timeout=30)
            results[batch_size] = (per_round * ROUNDS / pipeline_seconds[batch_size], lags)
        await broker.close()
        pool.close()
        await pool.wait_closed()
    finally:
        infra.drop_database(database)
        infra.delete_vhost(vhost)
    figures: dict[str, Any] = {
        "events": per_round * ROUNDS,
        "rounds": ROUNDS,
        "raw_aiormq_events_per_s": round(raw_rate),
    }
    for batch_size, (rate_, lags) in results.items():
        figures[f"batch_{batch_size}"] = {
            "pipeline_events_per_s": round(rate_),
            "ratio_to_raw": round(rate_ / raw_rate, 2),
            "steady_rate_events_per_s": rate,
            "lag_p50_ms": round(statistics.median(lags), 1),
            "lag_p99_ms": round(_percentile(lags, 0.99), 1),
            "lag_max_ms": round(lags[-1], 1),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    sub = parser.add_subparsers(dest="command")
    raw = sub.add_parser("consume-raw")
    raw.add_argument("amqp_url")
    raw.add_argument("expected", type=int)
    pipe = sub.add_parser("consume-pipeline")
    pipe.add_argument("amqp_url")
    pipe.add_argument("database_url")
    pipe.add_argument("seconds", type=float)
    pipe.add_argument("batch_size", type=int)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.command == "consume-raw":
        asyncio.run(consume_raw(args.amqp_url, args.expected))
    elif args.command == "consume-pipeline":
        asyncio.run(
            consume_pipeline(args.amqp_url, args.database_url, args.seconds, args.batch_size)
        )
    else:
        figures = asyncio.run(run(args.events, args.rate, args.seconds))
        print(json.dumps(figures, indent=2))
        save_results("events", figures)
        for batch_size in BATCH_SIZES:
            f = figures[f"batch_{batch_size}"]
            print(
                f"batch {batch_size}: pipeline {f['pipeline_events_per_s']}/s vs raw "
                f"{figures['raw_aiormq_events_per_s']}/s = {f['ratio_to_raw']} (goal >= 0.8); "
                f"at {f['steady_rate_events_per_s']}/s: p50 {f['lag_p50_ms']} ms (goal <= 10), "
                f"p99 {f['lag_p99_ms']} ms (goal <= 50)"
            )


if __name__ == "__main__":
    main()
