"""Live member page benchmark: what open event streams cost the bff, and how fast a change lands.

    .venv/bin/python -m bench.live [--streams 500] [--members 1] [--idle-seconds 60] [--rounds 20]

It creates its own database and vhost, seeds one advisor and `--members` members with
an SMS each, runs the bff (`python -m bff`) and measures:

1. idle, no stream: the bff's CPU (utime + stime from /proc/<pid>/stat) and the
   database's transactions per second (xact_commit + xact_rollback of the bench
   database in pg_stat_database, read from another database; pg_stat_statements is
   used instead when it is loaded);
2. the same with `--streams` open streams (spread over the members) while nothing
   changes: the difference is what the streams cost;
3. `--rounds` SMS status changes (one UPDATE per round of every watched member's
   message, committed as the gateway worker would): the time from just before the
   UPDATE to each stream receiving its `change` event, p50 / p99 / max over every
   delivery.

Goals (issue 18): < 5% of one core and < 1 statement/s for 500 idle streams; p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import psycopg2

from shared.database import create_pool, transaction
from shared.identity.passwords import hash_password_sync
from shared.migrate import migrate
from tests.support import infra
from tests.support.processes import RoleProcess

PASSWORD = "Bench-password-42!"
STATUSES = ("sending", "sent", "delivered")
# Backends add their counts to pg_stat_database when they go idle, at most once a second, and
# defer it up to a minute (PGSTAT_MAX_INTERVAL) while other backends hold the entry: the
# 500 stream openings would otherwise land in the idle window. Wait that long first.
STATS_SETTLE_SECONDS = 65.0


async def seed(dsn: str, members: int) -> tuple[str, list[tuple[str, str]]]:
    """An advisor and their members, each with one SMS; returns the email and (member, sms)."""
    pool = await create_pool(dsn, max_size=2, statement_timeout_ms=0, application_name="bench")
    try:
        await migrate(pool)
        email = f"bench.live.{uuid.uuid4().hex[:8]}@example.com"
        advisor_id = str(uuid.uuid4())
        pairs = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(members)]
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, 'Bench Advisor', 'advisor', %s)",
                (advisor_id, email, hash_password_sync(PASSWORD)),
            )
            for n, (member_id, message_id) in enumerate(pairs):
                await cur.execute(
                    "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
                    " access_type, advisor_id) VALUES (%s, %s, %s, '+14155550123', 'US', true,"
                    " 'dtc', %s)",
                    (
                        member_id,
                        f"live.{n}.{uuid.uuid4().hex[:6]}@example.com",
                        f"M {n}",
                        advisor_id,
                    ),
                )
                await cur.execute(
                    "INSERT INTO sms_messages (id, member_id, sent_by, body)"
                    " VALUES (%s, %s, %s, 'Hello')",
                    (message_id, member_id, advisor_id),
                )
    finally:
        pool.close()
        await pool.wait_closed()
    return email, pairs


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StatementCounter:
    """Statements (pg_stat_statements) or transactions (pg_stat_database) of one database."""

    def __init__(self, admin_dsn: str, database: str) -> None:
        self._conn = psycopg2.connect(admin_dsn)
        self._conn.autocommit = True
        self._database = database
        with self._conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
            self.statements = bool(cur.fetchone()[0])
        self.unit = "statements" if self.statements else "transactions"

    def read(self) -> int:
        with self._conn.cursor() as cur:
            if self.statements:
                cur.execute(
                    "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s"
                    " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s",
                    (self._database,),
                )
            else:
                cur.execute(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                    (self._database,),
                )
            return int(cur.fetchone()[0])

    def close(self) -> None:
        self._conn.close()


async def measure_idle(pid: int, counter: StatementCounter, seconds: float) -> tuple[float, float]:
    """CPU share of one core and database statements (or transactions) per second."""
    await asyncio.sleep(STATS_SETTLE_SECONDS)
    cpu0, count0, t0 = cpu_seconds(pid), counter.read(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, count1, t1 = cpu_seconds(pid), counter.read(), time.monotonic()
    return (cpu1 - cpu0) / (t1 - t0), (count1 - count0) / (t1 - t0)


class Streams:
    """N open member streams, each noting when it saw each round's change."""

    def __init__(self, url: str, headers: dict[str, str], members: list[str], count: int) -> None:
        self._url = url
        self._headers = headers
        self._members = members
        self._count = count
        self.opened = 0
        self.received: dict[int, list[float]] = {}
        self._ready = asyncio.Event()
        self._complete: dict[int, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None

    async def open(self, timeout: float = 120.0) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        self._http = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )
        self._tasks = [
            asyncio.create_task(self._one(self._members[n % len(self._members)]))
            for n in range(self._count)
        ]
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    async def _one(self, member_id: str) -> None:
        assert self._http is not None
        async with self._http.get(f"{self._url}/api/v1/members/{member_id}/events") as response:
            if response.status != 200:
                raise RuntimeError(f"stream refused: {response.status} {await response.text()}")
            async for line in response.content:
                if line.startswith(b"event: screen"):
                    self.opened += 1
                    if self.opened == self._count:
                        self._ready.set()
                elif line.startswith(b"data: ") and b"bench-r" in line:
                    marker = line.split(b'"error_code": "bench-r', 1)[1].split(b'"', 1)[0]
                    arrived = self.received.setdefault(int(marker), [])
                    arrived.append(time.perf_counter())
                    if len(arrived) == self._count:
                        self._complete.setdefault(int(marker), asyncio.Event()).set()

    async def wait_round(self, round_no: int, timeout: float) -> None:
        """Until every stream saw the round's change (or `timeout` seconds)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._complete.setdefault(round_no, asyncio.Event()).wait()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace) -> None:
    database = infra.unique_name("origin_bench")
    vhost = infra.unique_name("origin_bench")
    dsn = infra.create_database(database)
    amqp = infra.create_vhost(vhost)
    logs = Path(tempfile.mkdtemp(prefix="bench-live-"))
    bff: RoleProcess | None = None
    counter: StatementCounter | None = None
    streams: Streams | None = None
    try:
        email, pairs = await seed(dsn, args.members)
        env = {"APP_ENV": "test", "LOG_LEVEL": "WARNING", "DATABASE_URL": dsn, "AMQP_URL": amqp}
        bff = RoleProcess(["-m", "bff"], infra.free_port(), env, logs / "bff.log").start()
        bff.wait_healthy()
        assert bff.process is not None
        pid = bff.process.pid
        counter = StatementCounter(dsn.rsplit("/", 1)[0] + "/postgres", database)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            async with http.post(
                f"{bff.url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            ) as response:
                assert response.status == 200, await response.text()
                token = response.cookies["origin_session"].value
        headers = {"Cookie": f"origin_session={token}"}

        print(f"idle bff, no stream: {args.idle_seconds:.0f} s ...", flush=True)
        base_cpu, base_rate = await measure_idle(pid, counter, args.idle_seconds)
        print(f"opening {args.streams} streams on {args.members} member(s) ...", flush=True)
        streams = Streams(bff.url, headers, [member for member, _ in pairs], args.streams)
        opened_at = time.perf_counter()
        await streams.open()
        open_seconds = time.perf_counter() - opened_at
        print(f"{args.streams} streams open, nothing changes: {args.idle_seconds:.0f} s ...")
        idle_cpu, idle_rate = await measure_idle(pid, counter, args.idle_seconds)

        latencies: list[float] = []
        missing = 0
        writer = psycopg2.connect(dsn)
        writer.autocommit = True
        try:
            for round_no in range(1, args.rounds + 1):
                status = STATUSES[round_no % len(STATUSES)]
                started = time.perf_counter()
                with writer.cursor() as cur:
                    cur.execute(
                        "UPDATE sms_messages SET status = %s, error_code = %s, updated_at = now()"
                        " WHERE id = ANY(%s::uuid[])",
                        (status, f"bench-r{round_no}", [message for _, message in pairs]),
                    )
                await streams.wait_round(round_no, timeout=10.0)
                arrived = streams.received.get(round_no, [])
                missing += args.streams - len(arrived)
                latencies += [at - started for at in arrived]
                await asyncio.sleep(args.pause)
        finally:
            writer.close()

        cpu_share = idle_cpu - base_cpu
        extra_rate = idle_rate - base_rate
        print(f"streams opened in {open_seconds:.1f} s ({args.streams / open_seconds:.0f}/s)")
        print(
            f"bff CPU, idle without streams     {base_cpu:7.2%} of one core;"
            f"  with {args.streams} streams {idle_cpu:7.2%}  (streams: {cpu_share:+.2%})"
        )
        print(
            f"database {counter.unit}/s, without {base_rate:6.2f};"
            f"  with {args.streams} streams {idle_rate:6.2f}  (streams: {extra_rate:+.2f}/s)"
        )
        print(
            f"status change -> every stream ({len(latencies)} deliveries, {missing} missing):"
            f"  p50 {percentile(latencies, 0.5) * 1000:.0f} ms"
            f"  p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
            f"  max {max(latencies) * 1000:.0f} ms"
        )
        print(
            json.dumps(
                {
                    "streams": args.streams,
                    "members": args.members,
                    "cpu_idle_no_streams": round(base_cpu, 4),
                    "cpu_idle_with_streams": round(idle_cpu, 4),
                    "db_unit": counter.unit,
                    "db_per_s_no_streams": round(base_rate, 3),
                    "db_per_s_with_streams": round(idle_rate, 3),
                    "deliveries": len(latencies),
                    "missing": missing,
                    "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                    "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                    "max_ms": round(max(latencies) * 1000, 1),
                }
            )
        )
    finally:
        if streams is not None:
            await streams.close()
        if counter is not None:
            counter.close()
        if bff is not None:
            bff.stop()
        infra.drop_database(database)
        infra.delete_vhost(vhost)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--members", type=int, default=1, help="streams are spread over them")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between rounds")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
