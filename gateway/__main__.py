"""`python -m gateway web|worker|scheduler`: run one role of the integration gateway."""

from __future__ import annotations

import argparse

from gateway import scheduler, web, worker
from shared.process import run_role

ROLES = {
    "web": (web.SERVICE_NAME, web.DEFAULT_PORT, web.create_app),
    "worker": (worker.SERVICE_NAME, worker.DEFAULT_PORT, worker.create_app),
    "scheduler": (scheduler.SERVICE_NAME, scheduler.DEFAULT_PORT, scheduler.create_app),
}


def main() -> None:
    """Parse the role and run it."""
    parser = argparse.ArgumentParser(prog="python -m gateway")
    parser.add_argument("role", choices=sorted(ROLES))
    args = parser.parse_args()
    run_role(*ROLES[args.role])


if __name__ == "__main__":
    main()
