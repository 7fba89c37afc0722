"""`create-db` and `migrate`: prepare the database a fresh machine or a deploy needs."""

from __future__ import annotations

import argparse
from typing import Any

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT, parse_dsn

from shared.database import create_pool
from shared.migrate import migrate
from shared.ops.command import print_json
from shared.settings import Settings


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    subparsers.add_parser("create-db", help="create the database if missing").set_defaults(
        run=create_db
    )
    subparsers.add_parser("migrate", help="apply pending migrations").set_defaults(run=run_migrate)


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` when it does not exist; True if created."""
    params = parse_dsn(dsn)
    name = params.get("dbname") or "postgres"
    params["dbname"] = "postgres"
    conn = psycopg2.connect(**params)
    try:
        conn.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


async def create_db(settings: Settings, args: argparse.Namespace) -> int:
    """Create the configured database if it is missing."""
    created = ensure_database(settings.database_url.get_secret_value())
    print_json({"created": created})
    return 0


async def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending migrations to the configured database."""
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=0,
        application_name="origin-migrate",
    )
    try:
        applied = await migrate(pool)
    finally:
        pool.close()
        await pool.wait_closed()
    print_json({"applied": applied})
    return 0
