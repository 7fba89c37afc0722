"""Composition root of the scheduler role: cron-like jobs, safe with many replicas.

Every replica runs every job's loop; `shared.jobs.runs` makes each (job, slot)
run once across them. Health (`GET /`) adds a `jobs` check listing each job's
schedule and last run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from gateway.jobs.catalog import default_jobs
from gateway.jobs.job import Job
from gateway.jobs.runner import Scheduler
from shared.jobs.clock import Clock, SystemClock
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.health import HEALTH_CHECKS
from shared.web.keys import POOL, SETTINGS

SERVICE_NAME = "gateway-scheduler"
DEFAULT_PORT = 8083

SCHEDULER = web.AppKey("scheduler", Scheduler)
JOBS = web.AppKey("jobs", list[Job])
CLOCK = web.AppKey("clock", Clock)


def create_app(
    settings: Settings,
    *,
    jobs: Sequence[Job] | None = None,
    clock: Clock | None = None,
    tick_seconds: float = 5.0,
) -> web.Application:
    """Build the scheduler: health on its port, the job loop as a background task."""
    app = create_base_app(settings, service=SERVICE_NAME)
    app[JOBS] = list(jobs) if jobs is not None else default_jobs(settings)
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(_scheduler(tick_seconds))
    app.on_shutdown.append(_stop_scheduling)
    return app


def _scheduler(tick_seconds: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        jobs: list[Job] = app[JOBS]
        scheduler = Scheduler(
            app[POOL], jobs, clock=app[CLOCK], producer=SERVICE_NAME, tick_seconds=tick_seconds
        )
        app[SCHEDULER] = scheduler
        app[HEALTH_CHECKS]["jobs"] = scheduler.health
        scheduler.start()
        yield
        await scheduler.stop(timeout=app[SETTINGS].shutdown_timeout_seconds)

    return context


async def _stop_scheduling(app: web.Application) -> None:
    """On SIGTERM: claim nothing more, finish (or give back) the runs in hand."""
    await app[SCHEDULER].stop(timeout=app[SETTINGS].shutdown_timeout_seconds)
