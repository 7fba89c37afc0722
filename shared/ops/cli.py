"""The command line: each command module adds its subcommands through `register`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from shared.observability.logging import configure_logging
from shared.process import load_settings_or_exit
from shared.settings import Settings

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def print_json(data: Any) -> None:
    """Commands print data as JSON so operators can pipe it to jq."""
    print(json.dumps(data, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load settings, run the chosen command, return its exit code."""
    from shared.ops import (
        app_user_commands,
        database_commands,
        demo_commands,
        email_commands,
        identity_commands,
        jobs_commands,
        messaging_commands,
        service_commands,
        storage_commands,
        switch_commands,
    )

    parser = argparse.ArgumentParser(prog="python -m shared.ops")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (
        database_commands,
        app_user_commands,
        storage_commands,
        email_commands,
        messaging_commands,
        service_commands,
        switch_commands,
        identity_commands,
        demo_commands,
        jobs_commands,
    ):
        module.register(subparsers)
    args = parser.parse_args(argv)
    settings = load_settings_or_exit()
    configure_logging(service="ops", level="WARNING")
    command: Command = args.run
    return asyncio.run(command(settings, args))


if __name__ == "__main__":
    sys.exit(main())
