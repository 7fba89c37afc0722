"""The scheduler role as an app: health on its port, the job loop as a background task.

Every replica runs every job's loop; `shared.jobs.runs` makes each (job, slot)
run once across them. Health (`GET /`) adds a `jobs` check listing each job's
schedule and last run. Which jobs there are is the deployable's choice
(`gateway/scheduler.py` lists them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from shared.jobs.clock import Clock, SystemClock
from shared.jobs.job import Job
from shared.jobs.runner import Scheduler
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.health import HEALTH_CHECKS
from shared.web.keys import POOL, SETTINGS

SCHEDULER = web.AppKey("scheduler", Scheduler)
JOBS = web.AppKey("jobs", list[Job])
CLOCK = web.AppKey("clock", Clock)


def create_scheduler_app(
    settings: Settings,
    *,
    service: str,
    jobs: Sequence[Job],
    clock: Clock | None = None,
    tick_seconds: float = 5.0,
) -> web.Application:
    """Build a scheduler role running `jobs`."""
    app = create_base_app(settings, service=service)
    app[JOBS] = list(jobs)
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(_scheduler(service, tick_seconds))
    app.on_shutdown.append(_stop_scheduling)
    return app


def _scheduler(
    service: str, tick_seconds: float
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        jobs: list[Job] = app[JOBS]
        scheduler = Scheduler(
            app[POOL], jobs, clock=app[CLOCK], producer=service, tick_seconds=tick_seconds
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
