"""bff benchmark: the member screen beside a one-SELECT aiohttp reference, and login latency.

    .venv/bin/python -m bench.bff [--members 10000] [--connections 64] [--seconds 15] [--rounds 3]

It creates its own database and vhost, seeds the members (with profiles) for one
advisor, runs the bff (`python -m bff`) and a reference aiohttp app (one
primary-key SELECT through aiopg, same pool size) as separate processes, and
drives both with the same closed-loop client: N connections, each sending the next
request when the previous answers, for the same duration, split into alternating
rounds (reference, bff, reference, ...) so that drift of a shared machine weighs on
both sides alike. It prints requests/s and
p50/p99 for `GET /api/v1/members/{id}` and for the reference, their ratio, and the
p99 of sign-in (argon2id) at a lower concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp
from aiohttp import web
from yarl import URL

from bench import http_load
from bench.http_load import build_request
from bench.results import save_results
from shared.database import create_pool, transaction
from shared.identity.passwords import hash_password_sync
from shared.migrate import migrate
from shared.ops.demo_commands import seed_members
from tests.support import infra
from tests.support.processes import RoleProcess

PASSWORD = "Bench-password-42!"
POOL_SIZE = 20


# ---- the reference server (a child process) ------------------------------------------


def run_reference(port: int, dsn: str) -> None:
    """One primary-key SELECT through aiopg per request, JSON out."""

    async def main() -> None:
        pool = await create_pool(
            dsn, max_size=POOL_SIZE, statement_timeout_ms=5000, application_name="bench-ref"
        )

        async def member(request: web.Request) -> web.Response:
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute(
                    "SELECT id, full_name, email, country FROM members WHERE id = %s",
                    (request.match_info["member_id"],),
                )
                row = await cur.fetchone()
            if row is None:
                raise web.HTTPNotFound()
            return web.json_response(
                {"id": str(row[0]), "full_name": row[1], "email": row[2], "country": row[3]}
            )

        async def health(request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        app = web.Application()
        app.router.add_get("/members/{member_id}", member)
        app.router.add_get("/", health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- arrangement -------------------------------------------------------------------


async def seed(dsn: str, members: int) -> tuple[str, list[str]]:
    pool = await create_pool(dsn, max_size=2, statement_timeout_ms=0, application_name="bench")
    try:
        await migrate(pool)
        email = f"bench.advisor.{uuid.uuid4().hex[:8]}@example.com"
        advisor_id = str(uuid.uuid4())
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, 'Bench Advisor', 'advisor', %s)",
                (advisor_id, email, hash_password_sync(PASSWORD)),
            )
            await seed_members(cur, count=members, advisor_ids=[advisor_id], email_prefix="bench")
            await cur.execute("SELECT id FROM members WHERE advisor_id = %s", (advisor_id,))
            ids = [str(row[0]) for row in await cur.fetchall()]
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("ANALYZE")
    finally:
        pool.close()
        await pool.wait_closed()
    return email, ids


# ---- load --------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def drive(
    base_url: str, requests: Sequence[bytes], *, connections: int, seconds: float
) -> tuple[float, list[float], int]:
    """Closed loop: each connection sends its next request when the last one answered."""
    url = URL(base_url)
    assert url.host is not None and url.port is not None
    figures = await http_load.drive(
        url.host, url.port, requests, connections=connections, seconds=seconds, warmup_seconds=0
    )
    latencies = [latency / 1000 for latency in figures["latencies_ms"]]
    return figures["rps"], latencies, figures["errors"]


def screen_requests(
    base_url: str, path: str, member_ids: Sequence[str], headers: dict[str, str]
) -> list[bytes]:
    """GETs of `path` + a member id, for the ids in the order given, built once."""
    authority = URL(base_url).raw_authority
    return [
        build_request("GET", f"{path}{member_id}", authority, headers) for member_id in member_ids
    ]


Run = Callable[[float], Awaitable[tuple[float, list[float], int]]]


async def alternate(
    reference: Run, ours: Run, *, seconds: float, rounds: int
) -> tuple[float, list[float], int, float, list[float], int]:
    """Both sides in alternating slices, so a drift of the machine (another tenant, a
    checkpoint, autovacuum) weighs on both alike: rates are averaged over the rounds,
    latencies pooled."""
    totals: dict[str, tuple[float, list[float], int]] = {"ref": (0.0, [], 0), "ours": (0.0, [], 0)}
    for _ in range(rounds):
        for side, run in (("ref", reference), ("ours", ours)):
            rate, latencies, errors = await run(seconds / rounds)
            total_rate, all_latencies, total_errors = totals[side]
            totals[side] = (
                total_rate + rate / rounds,
                all_latencies + latencies,
                total_errors + errors,
            )
    return (*totals["ref"], *totals["ours"])


async def add_users(dsn: str, count: int) -> list[str]:
    """Advisors who only sign in: one per concurrent sign-in, since at most 5 sign-ins of
    one account from one address may be in flight at once (each is counted before its hash)."""
    pool = await create_pool(dsn, max_size=1, statement_timeout_ms=0, application_name="bench")
    password_hash = hash_password_sync(PASSWORD)
    emails = [f"bench.signin.{n}.{uuid.uuid4().hex[:6]}@example.com" for n in range(count)]
    try:
        async with transaction(pool) as cur:
            for email in emails:
                await cur.execute(
                    "INSERT INTO users (id, email, full_name, role, password_hash)"
                    " VALUES (%s, %s, 'Bench Signer', 'advisor', %s)",
                    (str(uuid.uuid4()), email, password_hash),
                )
    finally:
        pool.close()
        await pool.wait_closed()
    return emails


async def login_latencies(base_url: str, emails: list[str], count: int) -> list[float]:
    """`count` sign-ins, one slot per email, each slot signing in again when answered."""
    latencies: list[float] = []
    remaining = count
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:

        async def slot(email: str) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                async with http.post(
                    f"{base_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                ) as response:
                    assert response.status == 200, await response.text()
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(slot(email) for email in emails))
    return latencies


async def sign_in(base_url: str, email: str) -> dict[str, str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(
            f"{base_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ) as response:
            body = await response.json()
            token = response.cookies["origin_session"].value
    return {"Cookie": f"origin_session={token}", "X-CSRF-Token": body["csrf_token"]}


def report(name: str, rate: float, latencies: list[float], errors: int) -> None:
    print(
        f"{name:<34} {rate:8.0f} req/s   p50 {percentile(latencies, 0.5) * 1000:6.1f} ms"
        f"   p99 {percentile(latencies, 0.99) * 1000:6.1f} ms   errors {errors}"
    )


async def run(args: argparse.Namespace) -> None:
    database = infra.unique_name("origin_bench")
    vhost = infra.unique_name("origin_bench")
    dsn = infra.create_database(database)
    amqp = infra.create_vhost(vhost)
    logs = Path(tempfile.mkdtemp(prefix="bench-bff-"))
    processes: list[RoleProcess] = []
    try:
        print(f"seeding {args.members} members ...", flush=True)
        email, member_ids = await seed(dsn, args.members)
        env = {
            "APP_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": dsn,
            "AMQP_URL": amqp,
            "DB_POOL_MAX_SIZE": str(POOL_SIZE),
        }
        bff = RoleProcess(["-m", "bff"], infra.free_port(), env, logs / "bff.log").start()
        reference = RoleProcess(
            ["-m", "bench.bff", "--reference-server", dsn],
            infra.free_port(),
            {},
            logs / "reference.log",
        )
        reference.args = [*reference.args, "--port", str(reference.port)]
        reference.start()
        processes += [bff, reference]
        bff.wait_healthy()
        reference.wait_healthy()
        headers = await sign_in(bff.url, email)

        # The same random walk over the members for both sides, each request built once
        # (bench.http_load: the driver must not cost more than the servers it measures).
        walk = [random.choice(member_ids) for _ in range(50_000)]
        bff_requests = screen_requests(bff.url, "/api/v1/members/", walk, headers)
        reference_requests = screen_requests(reference.url, "/members/", walk, {})

        print(
            f"warming up, then {args.seconds:.0f} s each at {args.connections} connections,"
            f" in {args.rounds} alternating rounds"
        )
        await drive(reference.url, reference_requests, connections=args.connections, seconds=3)
        await drive(bff.url, bff_requests, connections=args.connections, seconds=3)
        ref_rate, ref_lat, ref_err, bff_rate, bff_lat, bff_err = await alternate(
            lambda seconds: drive(
                reference.url, reference_requests, connections=args.connections, seconds=seconds
            ),
            lambda seconds: drive(
                bff.url, bff_requests, connections=args.connections, seconds=seconds
            ),
            seconds=args.seconds,
            rounds=args.rounds,
        )
        report("reference (1 PK SELECT, aiopg)", ref_rate, ref_lat, ref_err)
        report("bff GET /api/v1/members/{id}", bff_rate, bff_lat, bff_err)
        print(f"{'bff / reference throughput':<34} {bff_rate / ref_rate:8.0%}")
        signers = await add_users(dsn, args.login_concurrency)
        logins = await login_latencies(bff.url, signers, args.logins)
        print(
            f"login ({args.logins} sign-ins, {args.login_concurrency} at a time)"
            f"   p50 {percentile(logins, 0.5) * 1000:.0f} ms"
            f"   p99 {percentile(logins, 0.99) * 1000:.0f} ms"
        )
        summary = {
            "reference_rps": round(ref_rate),
            "reference_p99_ms": round(percentile(ref_lat, 0.99) * 1000, 1),
            "bff_rps": round(bff_rate),
            "bff_p99_ms": round(percentile(bff_lat, 0.99) * 1000, 1),
            "ratio": round(bff_rate / ref_rate, 3),
            "login_p99_ms": round(percentile(logins, 0.99) * 1000, 1),
        }
        print(
            f"bff / reference {summary['ratio']} (goal >= 1.0),"
            f" bff p99 {summary['bff_p99_ms']} ms (goal <= 50)"
        )
        print(json.dumps(summary))
        save_results("bff", summary)
    finally:
        for process in processes:
            process.stop()
        infra.drop_database(database)
        infra.delete_vhost(vhost)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bff")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices per side")
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--reference-server", metavar="DSN")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.reference_server:
        run_reference(args.port, args.reference_server)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
