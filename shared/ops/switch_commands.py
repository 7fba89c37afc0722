"""`switch list` and `switch set NAME on|off`: partial shutdown of one connector's work."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from shared import switches
from shared.database import connection_cursor, create_pool, transaction
from shared.ops.command import print_json
from shared.settings import Settings


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    parser = subparsers.add_parser("switch", help="operator switches (pause a connector)")
    sub = parser.add_subparsers(dest="switch_command", required=True)
    sub.add_parser("list", help="every switch and its state").set_defaults(run=switch_list)
    set_parser = sub.add_parser("set", help="turn a switch on or off")
    set_parser.add_argument("name", help=", ".join(switches.KNOWN_SWITCHES))
    set_parser.add_argument("state", choices=("on", "off"))
    set_parser.add_argument("--by", default=None, help="who is flipping it (default: $USER)")
    set_parser.set_defaults(run=switch_set)


async def switch_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print every known switch."""
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )
    try:
        async with connection_cursor(pool) as cur:
            listed = await switches.list_switches(cur)
    finally:
        pool.close()
        await pool.wait_closed()
    print_json([s.__dict__ for s in listed])
    return 0


async def switch_set(settings: Settings, args: argparse.Namespace) -> int:
    """Turn one switch on or off; the worker applies it within a few seconds."""
    if args.name not in switches.KNOWN_SWITCHES:
        known = ", ".join(switches.KNOWN_SWITCHES)
        print(f"unknown switch {args.name!r}; known: {known}", file=sys.stderr)
        return 2
    by = args.by or _operator()
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )
    try:
        async with transaction(pool) as cur:
            await switches.set_switch(cur, args.name, enabled=args.state == "on", updated_by=by)
    finally:
        pool.close()
        await pool.wait_closed()
    print_json({"name": args.name, "enabled": args.state == "on", "updated_by": by})
    return 0


def _operator() -> str:
    try:
        return f"ops:{getpass.getuser()}"
    except OSError:
        return "ops"
