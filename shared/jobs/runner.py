"""The scheduler loop of one replica: claim due work each tick, run it, heartbeat its lease.

Every replica runs the same loop; the run rows and advisory locks of
`shared.jobs.runs` make each (job, slot) run once across all of them. A tick
tries each job whose run is not already in flight here; claimed runs go on as
tasks so a slow job never delays another's slot. On shutdown the loop stops
claiming, waits for the runs in hand up to a timeout, and gives back (releases
the lease of) any it had to cancel, so another replica picks them up at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

from shared.database import Pool, transaction
from shared.jobs import runs
from shared.jobs.clock import Clock
from shared.jobs.job import Job, JobContext
from shared.jobs.runs import Claim, LeaseLost
from shared.observability import sentry
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def replica_id() -> str:
    """Who holds a run, as shown in its history: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def describe_error(exc: BaseException) -> str:
    """A failure's type and first line, short, for the run history (never a traceback)."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line}".rstrip(": ")[:500]


class Scheduler:
    """Runs `jobs` on their schedules, with any number of other replicas doing the same."""

    def __init__(
        self,
        pool: Pool,
        jobs: Sequence[Job],
        *,
        clock: Clock,
        producer: str,
        owner: str | None = None,
        tick_seconds: float = 5.0,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self.pool = pool
        self.jobs = {job.name: job for job in jobs}
        self.clock = clock
        self.producer = producer
        self.owner = owner or replica_id()
        self.tick_seconds = tick_seconds
        self._in_flight: dict[str, tuple[Claim, asyncio.Task[None]]] = {}
        self._registered = False
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    # --- one tick -------------------------------------------------------------------------

    async def register(self) -> None:
        """Record the jobs declared in code, so ops can list and trigger them."""
        async with transaction(self.pool) as cur:
            for job in self.jobs.values():
                await runs.register(cur, job.spec, now=self.clock.now())
        self._registered = True

    async def tick(self) -> list[Claim]:
        """Claim and start whatever is due now; returns the claims started by this tick."""
        if not self._registered:
            await self.register()
        started = []
        for job in self.jobs.values():
            if self._stopping.is_set():
                break
            if job.name in self._in_flight:
                continue
            try:
                claim = await runs.claim(
                    self.pool, job.spec, owner=self.owner, now=self.clock.now()
                )
            except Exception:
                log.exception("claiming a job run failed", extra={"job": job.name})
                continue
            if claim is None:
                continue
            task = asyncio.create_task(self._execute(job, claim), name=f"job:{job.name}")
            self._in_flight[job.name] = (claim, task)
            task.add_done_callback(functools.partial(self._finished, job.name))
            started.append(claim)
        return started

    def _finished(self, name: str, _: asyncio.Task[None]) -> None:
        self._in_flight.pop(name, None)

    async def idle(self) -> None:
        """Wait until the runs started so far have finished (tests use it between ticks)."""
        while self._in_flight:
            await asyncio.gather(
                *(task for _, task in list(self._in_flight.values())), return_exceptions=True
            )

    # --- one run --------------------------------------------------------------------------

    async def _execute(self, job: Job, claim: Claim) -> None:
        started = time.monotonic()

        def elapsed_ms() -> int:
            return int((time.monotonic() - started) * 1000)

        ctx = JobContext(
            claim=claim,
            pool=self.pool,
            clock=self.clock,
            producer=self.producer,
            elapsed_ms=elapsed_ms,
        )
        log.info(
            "job run started",
            extra={
                "job": job.name,
                "run_id": claim.run_id,
                "slot": claim.scheduled_for.isoformat(),
                "trigger": claim.trigger,
                "attempt": claim.attempt,
                "missed_slots": claim.missed_slots,
            },
        )
        heartbeat = asyncio.create_task(self._heartbeat(job, claim), name=f"lease:{job.name}")
        try:
            await job.run(ctx)
            if not ctx.completed:
                async with ctx.completing():
                    pass
        except LeaseLost:
            log.warning(
                "job run was taken over by another replica; its work here was rolled back",
                extra={"job": job.name, "run_id": claim.run_id},
            )
        except Exception as exc:
            log.exception("job run failed", extra={"job": job.name, "run_id": claim.run_id})
            sentry.capture_exception(exc)
            try:
                await runs.fail(
                    self.pool,
                    claim,
                    now=self.clock.now(),
                    duration_ms=elapsed_ms(),
                    error=describe_error(exc),
                )
            except Exception:
                log.exception("recording a job failure failed", extra={"job": job.name})
        else:
            log.info(
                "job run succeeded",
                extra={"job": job.name, "run_id": claim.run_id, "duration_ms": elapsed_ms()},
            )
        finally:
            await cancel_and_wait(heartbeat)

    async def _heartbeat(self, job: Job, claim: Claim) -> None:
        interval = job.spec.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                held = await runs.extend_lease(
                    self.pool, claim, until=self.clock.now() + job.spec.lease
                )
            except Exception:
                log.warning("extending a job lease failed", exc_info=True, extra={"job": job.name})
                continue
            if not held:
                log.warning("job lease lost", extra={"job": job.name, "run_id": claim.run_id})
                return

    # --- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        """Tick in the background until `stop`."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._run_forever(), name="scheduler")

    async def _run_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:
                # Postgres down at start-up or a blip: health reports it; try again next tick.
                log.warning("scheduler tick failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.tick_seconds)

    async def stop(self, timeout: float) -> None:
        """Claim nothing more, let runs in hand finish within `timeout`, give back the rest."""
        self._stopping.set()
        if self._loop_task is not None:
            await self._loop_task
        in_flight = list(self._in_flight.values())
        if not in_flight:
            return
        _, pending = await asyncio.wait([task for _, task in in_flight], timeout=timeout)
        for claim, task in in_flight:
            if task not in pending:
                continue
            await cancel_and_wait(task)
            try:
                await runs.release(self.pool, claim, now=self.clock.now())
                log.warning(
                    "job run given back at shutdown", extra={"job": claim.job, "run": claim.run_id}
                )
            except Exception:
                log.warning("giving back a job run failed", exc_info=True)

    # --- health ----------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """Each job's schedule and last run, for `GET /` (never failing on a failed run)."""
        records = await runs.list_jobs(self.pool, sorted(self.jobs))
        return {
            "replica": self.owner,
            "running_here": sorted(self._in_flight),
            "jobs": {record.name: record.as_dict() for record in records},
        }
