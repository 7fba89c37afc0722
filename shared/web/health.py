"""Readiness (`GET /`) and liveness (`GET /livez`) on every role's port.

Readiness asks whether this process can do its work right now: each dependency
check runs concurrently under a short timeout, so it answers within about a
second even when a dependency hangs. The load balancer routes on it.

Liveness asks only whether the process and its event loop are alive, whatever
Postgres and RabbitMQ do: the container health check probes it, so a broker or
database failover makes every task unready but never gets them all replaced at
once. Once SIGTERM arrives both answer 503 `draining`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from shared.database import Pool
from shared.messaging.connection import BrokerConnection
from shared.web.keys import DRAINING, SERVICE, SETTINGS

HealthCheck = Callable[[], Awaitable[dict[str, Any] | None]]
HEALTH_CHECKS = web.AppKey("health_checks", dict[str, HealthCheck])  # roles add their own


def postgres_check(pool: Pool) -> HealthCheck:
    """A check that runs `SELECT 1` on a pooled connection."""

    async def check() -> None:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT 1")
            await cur.fetchone()

    return check


def rabbitmq_check(broker: BrokerConnection) -> HealthCheck:
    """A check that makes one round trip to the broker on the process's connection."""

    async def check() -> None:
        connection = await broker.connection(timeout=0.5)
        channel = await connection.channel(publisher_confirms=False)
        await channel.close()

    return check


async def _run_check(check: HealthCheck, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            details = await check()
    except TimeoutError:
        return {"status": "fail", "error": f"timed out after {timeout:.1f}s"}
    except Exception as exc:
        return {"status": "fail", "error": _describe(exc)}
    result: dict[str, Any] = {
        "status": "ok",
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    result.update(details or {})
    return result


def _describe(exc: Exception) -> str:
    """Name the failure without echoing connection strings or credentials."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if "://" in first_line or "password" in first_line.lower():
        first_line = ""
    return f"{type(exc).__name__}: {first_line}".rstrip(": ")[:200]


async def run_checks(checks: dict[str, HealthCheck], timeout: float) -> dict[str, Any]:
    """Run every check at once and collect their results by name."""
    results = await asyncio.gather(*(_run_check(check, timeout) for check in checks.values()))
    return dict(zip(checks.keys(), results, strict=True))


async def health(request: web.Request) -> web.Response:
    """Report the role's status and each dependency's; 503 when any fails or while draining."""
    app = request.app
    settings = app[SETTINGS]
    checks = await run_checks(app[HEALTH_CHECKS], settings.health_check_timeout_seconds)
    if app[DRAINING].is_set():
        status = "draining"
    elif all(check["status"] == "ok" for check in checks.values()):
        status = "ok"
    else:
        status = "fail"
    service = app[SERVICE]
    body = {"status": status, "service": service.name, "version": service.version, "checks": checks}
    return web.json_response(
        body, status=200 if status == "ok" else 503, headers={"Cache-Control": "no-store"}
    )


async def liveness(request: web.Request) -> web.Response:
    """200 while the event loop runs this handler; 503 `draining` after SIGTERM.

    It checks no dependency on purpose: answering at all is the proof of life.
    """
    app = request.app
    status = "draining" if app[DRAINING].is_set() else "ok"
    service = app[SERVICE]
    body = {"status": status, "service": service.name, "version": service.version}
    return web.json_response(
        body, status=200 if status == "ok" else 503, headers={"Cache-Control": "no-store"}
    )
