"""What an operator command is, and how it hands data to the operator.

A command is an async function of the settings and its parsed arguments that returns the
process's exit code; it prints data as JSON so operators can pipe it to jq. Command modules
import this module, never the command line (`cli.py`) that imports them, so the dependency runs
one way.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Coroutine
from typing import Any

from shared.settings import Settings

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def print_json(data: Any) -> None:
    """Commands print data as JSON so operators can pipe it to jq."""
    print(json.dumps(data, indent=2, default=str))
