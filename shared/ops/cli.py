"""The command line: each command module adds its subcommands through `register`.

This module imports the command modules; they import only `shared.ops.command` (the command
type and `print_json`), never this one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from shared.observability.logging import configure_logging
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
from shared.ops.command import Command
from shared.process import load_settings_or_exit

# In `--help` order.
COMMAND_MODULES = (
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
)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load settings, run the chosen command, return its exit code."""
    parser = argparse.ArgumentParser(prog="python -m shared.ops")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    args = parser.parse_args(argv)
    settings = load_settings_or_exit()
    configure_logging(service="ops", level="WARNING")
    command: Command = args.run
    return asyncio.run(command(settings, args))


if __name__ == "__main__":
    sys.exit(main())
