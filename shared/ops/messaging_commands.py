"""`outbox status` and `dlq list|show|replay|purge`: the event backbone for operators."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel

from shared.database import create_pool
from shared.messaging import dead_letters, outbox, topology
from shared.ops.command import print_json
from shared.settings import Settings


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    outbox_parser = subparsers.add_parser("outbox", help="the transactional outbox")
    outbox_sub = outbox_parser.add_subparsers(dest="outbox_command", required=True)
    outbox_sub.add_parser("status", help="pending rows and the oldest one's age").set_defaults(
        run=outbox_status
    )

    dlq = subparsers.add_parser("dlq", help="dead-letter queues")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True)
    list_parser = dlq_sub.add_parser("list", help="dead-letter queues and their depths")
    list_parser.add_argument("queue", nargs="?", help="one consumer queue or its .dlq")
    list_parser.set_defaults(run=dlq_list)
    show_parser = dlq_sub.add_parser("show", help="messages of a dead-letter queue")
    show_parser.add_argument("queue")
    show_parser.add_argument("--limit", type=int, default=100)
    show_parser.set_defaults(run=dlq_show)
    replay_parser = dlq_sub.add_parser("replay", help="send dead letters back to their consumer")
    replay_parser.add_argument("queue")
    target = replay_parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--id", dest="message_id")
    target.add_argument("--all", action="store_true")
    replay_parser.set_defaults(run=dlq_replay)
    purge_parser = dlq_sub.add_parser("purge", help="delete every message of a dead-letter queue")
    purge_parser.add_argument("queue")
    purge_parser.add_argument("--yes", action="store_true", required=True)
    purge_parser.set_defaults(run=dlq_purge)


@asynccontextmanager
async def _channel(settings: Settings) -> AsyncIterator[AbstractChannel]:
    connection = await aiormq.connect(settings.amqp_url.get_secret_value())
    try:
        channel = await connection.channel(publisher_confirms=True)
        await topology.declare(channel)  # idempotent; the queues exist even before a worker ran
        yield channel
    finally:
        await connection.close()


def _spec(queue: str) -> topology.QueueSpec | None:
    try:
        return topology.queue_by_name(queue)
    except KeyError:
        print(f"unknown queue {queue!r}; see `dlq list`", file=sys.stderr)
        return None


async def outbox_status(settings: Settings, args: argparse.Namespace) -> int:
    """Print pending outbox rows and the oldest one's age."""
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )
    try:
        print_json(await outbox.status(pool))
    finally:
        pool.close()
        await pool.wait_closed()
    return 0


async def dlq_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print each dead-letter queue with its depth."""
    queues = topology.QUEUES
    if args.queue:
        spec = _spec(args.queue)
        if spec is None:
            return 2
        queues = (spec,)
    async with _channel(settings) as channel:
        print_json(await dead_letters.list_dead_letter_queues(channel, queues))
    return 0


async def dlq_show(settings: Settings, args: argparse.Namespace) -> int:
    """Print the messages of a dead-letter queue, leaving them there."""
    spec = _spec(args.queue)
    if spec is None:
        return 2
    async with _channel(settings) as channel:
        letters = await dead_letters.show(channel, spec.dead_letter_queue, args.limit)
    print_json([letter.as_dict() | {"body": dead_letters.body_json(letter)} for letter in letters])
    return 0


async def dlq_replay(settings: Settings, args: argparse.Namespace) -> int:
    """Send one dead letter (--id) or all (--all) back to its consumer queue."""
    spec = _spec(args.queue)
    if spec is None:
        return 2
    async with _channel(settings) as channel:
        replayed = await dead_letters.replay(
            channel, spec, message_id=None if args.all else args.message_id
        )
    print_json({"queue": spec.name, "replayed": replayed})
    return 0 if replayed or args.all else 1


async def dlq_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Delete every message of a dead-letter queue."""
    spec = _spec(args.queue)
    if spec is None:
        return 2
    async with _channel(settings) as channel:
        purged = await dead_letters.purge(channel, spec.dead_letter_queue)
    print_json({"queue": spec.dead_letter_queue, "purged": purged})
    return 0
