"""`jobs list`, `jobs history NAME` and `jobs run NAME`: the scheduler's jobs for operators.

`jobs run` does not run the job in this process (the job code lives in the
gateway): it inserts a manual run request, under the same advisory lock and
into the same run table as the cron slots, and a scheduler replica claims it
within a tick (5 s), exactly once, never while another run of the job is in
progress. `--wait` follows the run to its end; the exit code is 0 when it
succeeded, 1 when it failed, 3 when the wait timed out.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from shared.database import Pool, create_pool
from shared.jobs import runs
from shared.jobs.clock import SystemClock
from shared.jobs.schedule import Schedule
from shared.ops.command import print_json
from shared.settings import Settings

EXIT_FAILED = 1
EXIT_UNKNOWN = 2
EXIT_TIMED_OUT = 3


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    parser = subparsers.add_parser("jobs", help="scheduled jobs (gateway scheduler)")
    sub = parser.add_subparsers(dest="jobs_command", required=True)
    sub.add_parser("list", help="every job, its schedule, next slot and last run").set_defaults(
        run=jobs_list
    )
    history_parser = sub.add_parser("history", help="a job's latest runs")
    history_parser.add_argument("name")
    history_parser.add_argument("--limit", type=int, default=20)
    history_parser.set_defaults(run=jobs_history)
    run_parser = sub.add_parser("run", help="ask the scheduler to run a job now (once)")
    run_parser.add_argument("name")
    run_parser.add_argument("--by", default=None, help="who asks (default: $USER)")
    run_parser.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS", help="follow the run to its end"
    )
    run_parser.set_defaults(run=jobs_run)


@asynccontextmanager
async def _pool(settings: Settings) -> AsyncIterator[Pool]:
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()


def _next_slot(record: runs.JobRecord) -> str | None:
    try:
        schedule = Schedule(record.cron, record.timezone)
    except ValueError:
        return None
    return schedule.next_after(SystemClock().now()).isoformat()


async def jobs_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print every registered job with its next slot and last finished run."""
    async with _pool(settings) as pool:
        records = await runs.list_jobs(pool)
    print_json([record.as_dict() | {"next_slot": _next_slot(record)} for record in records])
    return 0


async def jobs_history(settings: Settings, args: argparse.Namespace) -> int:
    """Print a job's latest runs, newest first."""
    async with _pool(settings) as pool:
        if not await runs.list_jobs(pool, [args.name]):
            print(f"unknown job {args.name!r}; see `jobs list`", file=sys.stderr)
            return EXIT_UNKNOWN
        records = await runs.history(pool, args.name, limit=args.limit)
    print_json([record.as_dict() for record in records])
    return 0


async def jobs_run(settings: Settings, args: argparse.Namespace) -> int:
    """Request a manual run; with --wait, follow it until it finishes."""
    requested_by = f"ops:{args.by or getpass.getuser()}"
    async with _pool(settings) as pool:
        try:
            run_id = await runs.request_manual(
                pool, args.name, requested_by=requested_by, now=SystemClock().now()
            )
        except runs.UnknownJob:
            print(f"unknown job {args.name!r}; see `jobs list`", file=sys.stderr)
            return EXIT_UNKNOWN
        except runs.AlreadyPending as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILED
        if args.wait <= 0:
            print_json({"job": args.name, "run_id": run_id, "status": "requested"})
            return 0
        return await _follow(pool, run_id, timeout=args.wait)


async def _follow(pool: Pool, run_id: int, *, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        record = await runs.get_run(pool, run_id)
        if record is not None and record.status in ("succeeded", "failed", "skipped"):
            print_json(record.as_dict())
            return 0 if record.status == "succeeded" else EXIT_FAILED
        if time.monotonic() > deadline:
            status = record.status if record else "missing"
            print(f"run {run_id} still {status} after {timeout:g}s", file=sys.stderr)
            return EXIT_TIMED_OUT
        await asyncio.sleep(0.5)
