"""`GET /ops`: a small server-rendered status page for operators (HTTP Basic, user `ops`).

It shows what an on-call engineer checks first: queue depths and consumers,
dead letters, outbox lag, circuit breakers (this process's and those each
worker reports), the providers' rate limits we keep to and how full their
busiest buckets are (shared by every replica), switches, and webhook counters.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from connectors.rate_limit import bucket_usage
from gateway.providers import PROVIDERS
from gateway.webhooks.intake import WEBHOOK_STATS
from shared import switches
from shared.database import connection_cursor
from shared.messaging import outbox, topology
from shared.web.keys import BROKER, POOL, SETTINGS

OPS_USER = "ops"
# The page needs its own small stylesheet; everything else stays as strict as every response.
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def ops_credentials_valid(request: web.Request) -> bool:
    """True when HTTP Basic names user `ops` with `OPS_PASSWORD` (constant-time compare)."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = request.app[SETTINGS].ops_password.get_secret_value()
    same_user = hmac.compare_digest(user.encode(), OPS_USER.encode())
    return hmac.compare_digest(password.encode(), expected.encode()) and same_user


async def ops_page(request: web.Request) -> web.StreamResponse:
    """Render the status page, or ask for credentials."""
    if not ops_credentials_valid(request):
        return web.Response(
            status=401,
            text="ops credentials required\n",
            headers={"WWW-Authenticate": 'Basic realm="origin-ops", charset="UTF-8"'},
        )
    context = {
        "queues": await _queues(request.app),
        "outbox": await outbox.status(request.app[POOL]),
        "breakers": await _breakers(request.app),
        "rate_limits": _declared_limits(request.app),
        "buckets": await _buckets(request.app),
        "switches": await _switches(request.app),
        "webhooks": _webhooks(request.app),
    }
    response = aiohttp_jinja2.render_template("ops.html", request, context)
    response.headers["Content-Security-Policy"] = CSP
    return response


async def _queues(app: web.Application) -> list[dict[str, Any]]:
    """Ready messages and consumers of every consumer queue and its dead-letter queue."""
    rows: list[dict[str, Any]] = []
    try:
        channel = await app[BROKER].channel(timeout=1.0)
    except Exception as exc:
        return [{"queue": "(broker unavailable)", "error": type(exc).__name__}]
    try:
        for spec in topology.QUEUES:
            row: dict[str, Any] = {"queue": spec.name}
            for key, name in (("ready", spec.name), ("dead_letters", spec.dead_letter_queue)):
                if channel.is_closed:
                    channel = await app[BROKER].channel(timeout=1.0)
                try:
                    ok = await channel.queue_declare(name, passive=True)
                except Exception:
                    row[key] = None  # not declared yet: no worker has consumed it so far
                    continue
                row[key] = int(ok.message_count or 0)
                if key == "ready":
                    row["consumers"] = int(ok.consumer_count or 0)
            rows.append(row)
    finally:
        if not channel.is_closed:
            with contextlib.suppress(Exception):
                await channel.close()
    return rows


async def _breakers(app: web.Application) -> list[dict[str, Any]]:
    """This process's breakers, then what each worker reported in the last minute."""
    rows = [
        {"instance": "gateway-web (this page)", **policy.snapshot()}
        for policy in app[PROVIDERS].policies
    ]
    async with connection_cursor(app[POOL]) as cur:
        await cur.execute(
            "SELECT instance, provider, snapshot, updated_at FROM provider_breakers"
            " WHERE updated_at > now() - interval '1 minute' ORDER BY instance, provider"
        )
        for instance, _provider, snapshot, updated_at in await cur.fetchall():
            rows.append({"instance": instance, **snapshot, "reported_at": updated_at})
    return rows


def _declared_limits(app: web.Application) -> list[dict[str, Any]]:
    return [
        {
            "provider": limit.provider,
            "operation": limit.operation,
            "scope": limit.scope,
            "limit": limit.rate.limit,
            "period_seconds": limit.rate.period_seconds,
            "source": limit.source,
        }
        for limit in app[PROVIDERS].limits
    ]


async def _buckets(app: web.Application) -> list[dict[str, Any]]:
    """The busiest shared rate-limit buckets of the last minute (all replicas)."""
    providers = sorted({limit.provider for limit in app[PROVIDERS].limits})
    return await bucket_usage(app[POOL], providers, window_seconds=60.0, limit=20)


async def _switches(app: web.Application) -> list[switches.Switch]:
    async with connection_cursor(app[POOL]) as cur:
        return await switches.list_switches(cur)


def _webhooks(app: web.Application) -> list[dict[str, Any]]:
    stats = app[WEBHOOK_STATS]
    providers = sorted(set(stats.accepted) | set(stats.duplicates) | set(stats.rejected))
    return [
        {
            "provider": p,
            "accepted": stats.accepted[p],
            "duplicates": stats.duplicates[p],
            "rejected": stats.rejected[p],
        }
        for p in providers
    ]
