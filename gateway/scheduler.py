"""Composition root of the scheduler role: every feature's jobs, with their schedules.

The job framework (the loop every replica runs, run rows, leases, health) is
`shared.jobs`; this module only says which jobs the gateway runs. Retention and
the stuck-work sweep span features, so they are declared here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from aiohttp import web

from gateway import accounts, bookings, eligibility, sms
from gateway.retention import Retention
from gateway.stuck_work import StuckWorkSweep
from shared.jobs.clock import Clock
from shared.jobs.job import Job, job
from shared.jobs.role import create_scheduler_app
from shared.jobs.schedule import CatchUp
from shared.settings import Settings

SERVICE_NAME = "gateway-scheduler"
DEFAULT_PORT = 8083

sweep_stuck_work = StuckWorkSweep(
    sms.sweep_requested, accounts.sweep_syncs, eligibility.sweep_files
)


def default_jobs(settings: Settings) -> list[Job]:
    """The jobs `python -m gateway scheduler` runs."""
    return [
        *bookings.jobs(settings),
        *accounts.jobs(),
        *sms.jobs(settings),
        job(
            "retention",
            Retention(settings),
            cron="30 3 * * *",
            timezone="UTC",
            catch_up=CatchUp.RUN_ONCE,
            lease=timedelta(minutes=5),
            description="delete old outbox, inbox, webhook events, sessions and run history",
        ),
        job(
            "stuck-work-sweep",
            sweep_stuck_work,
            cron="*/5 * * * *",
            timezone="UTC",
            catch_up=CatchUp.RUN_ONCE,
            description="retry or fail SMS, syncs and eligibility files that stopped moving",
        ),
    ]


def create_app(
    settings: Settings,
    *,
    jobs: Sequence[Job] | None = None,
    clock: Clock | None = None,
    tick_seconds: float = 5.0,
) -> web.Application:
    """Build the scheduler: health on its port, the job loop as a background task."""
    return create_scheduler_app(
        settings,
        service=SERVICE_NAME,
        jobs=jobs if jobs is not None else default_jobs(settings),
        clock=clock,
        tick_seconds=tick_seconds,
    )
