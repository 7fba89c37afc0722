"""`python -m connectors.simulator`: serve the provider simulator (port 8090, or `PORT`)."""

from __future__ import annotations

import sys

from aiohttp import web
from pydantic import ValidationError

from connectors.simulator.app import SERVICE, create_app
from connectors.simulator.config import SimulatorConfig
from shared.observability.logging import configure_logging
from shared.settings import describe_validation_error


def main() -> None:
    """Read the config (exit 2 naming a bad variable), then serve until SIGINT or SIGTERM."""
    try:
        config = SimulatorConfig()
    except ValidationError as exc:
        print(f"configuration error: {describe_validation_error(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(service=SERVICE, level=config.log_level)
    web.run_app(
        create_app(config),
        host=config.host,
        port=config.port,
        access_log=None,
        print=None,
        shutdown_timeout=5,
    )


if __name__ == "__main__":
    main()
