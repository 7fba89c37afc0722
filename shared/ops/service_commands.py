"""`check-services`: say in one message which dependency is down and how to start it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import aiormq
import psycopg2
from psycopg2.extensions import parse_dsn

from shared.settings import Settings

HOW_TO_START = (
    "Start them with `docker compose up -d postgres rabbitmq`, or the system services:\n"
    "  pg_ctlcluster --skip-systemctl-redirect 15 main start\n"
    "  rabbitmq-server -detached"
)


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    subparsers.add_parser(
        "check-services", help="check that PostgreSQL and RabbitMQ answer"
    ).set_defaults(run=check_services)


def _postgres_answers(dsn: str) -> bool:
    params = parse_dsn(dsn)
    params["dbname"] = "postgres"
    try:
        psycopg2.connect(connect_timeout=3, **params).close()
    except psycopg2.OperationalError:
        return False
    return True


async def _rabbitmq_answers(url: str) -> bool:
    try:
        connection = await asyncio.wait_for(aiormq.connect(url), 5)
    except (OSError, aiormq.AMQPError, TimeoutError):
        return False
    await connection.close()
    return True


async def check_services(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when both answer; otherwise name what is down and how to start it."""
    down = []
    if not _postgres_answers(settings.database_url.get_secret_value()):
        down.append("PostgreSQL (DATABASE_URL)")
    if not await _rabbitmq_answers(settings.amqp_url.get_secret_value()):
        down.append("RabbitMQ (AMQP_URL)")
    if down:
        print(f"Not reachable: {', '.join(down)}. {HOW_TO_START}", file=sys.stderr)
        return 1
    return 0
