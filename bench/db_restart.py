"""Postgres restarts under the bff: 503 with Retry-After while it is down, 200 soon after.

    .venv/bin/python -m bench.db_restart [--restarts 3] [--down-seconds 3] [--pollers 4]

It starts a private PostgreSQL server (initdb in a temporary directory, a free port;
never the machine's shared one), migrates it, creates an advisor, and runs the bff
(`python -m bff`) on it with a vhost of its own on the test RabbitMQ. Pollers sign in
once and then ask for the member list in a closed loop, one more signs in again and
again; meanwhile the server is restarted (`pg_ctl stop`, alternately `-m fast` and
`-m immediate`, then `pg_ctl start`). It prints, per restart, the answers while the
server was down (each must be 503 problem+json with Retry-After), and the seconds
from the server accepting connections again until the first 200 and until every
poller had its 200 (goal: within 10 s), and in all the count of 500s (goal: 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from shared.database import create_pool, transaction
from shared.identity.passwords import hash_password_sync
from shared.migrate import migrate
from tests.support import infra
from tests.support.processes import RoleProcess

PASSWORD = "Bench-password-42!"
GOAL_SECONDS = 10.0


def _postgres_bin() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not versions:
        raise SystemExit("no PostgreSQL server binaries found (pg_config, /usr/lib/postgresql)")
    return versions[-1]


class PrivatePostgres:
    """A throw-away PostgreSQL server in a temporary directory, run as the postgres user."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bindir = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb refuses root: run as the postgres account
            shutil.chown(self.root, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Answer:
    at: float
    status: int
    problem: bool
    retry_after: bool
    poller: int


@dataclass
class Record:
    answers: list[Answer] = field(default_factory=list)

    def add(self, poller: int, response: aiohttp.ClientResponse) -> None:
        self.answers.append(
            Answer(
                time.monotonic(),
                response.status,
                response.content_type == "application/problem+json",
                "Retry-After" in response.headers,
                poller,
            )
        )


async def _arrange(url: str) -> str:
    pool = await create_pool(url, max_size=2, statement_timeout_ms=0, application_name="bench")
    try:
        await migrate(pool)
        email = f"advisor.{uuid.uuid4().hex[:8]}@example.com"
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, 'Bench Advisor', 'advisor', %s)",
                (str(uuid.uuid4()), email, hash_password_sync(PASSWORD)),
            )
        return email
    finally:
        pool.close()
        await pool.wait_closed()


async def _sign_in(http: aiohttp.ClientSession, base: str, email: str) -> aiohttp.ClientResponse:
    return await http.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD})


async def _poll_members(
    index: int, base: str, email: str, record: Record, stop: asyncio.Event
) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # the bff is on 127.0.0.1: keep its cookie
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=15), cookie_jar=jar
    ) as http:
        signed_in = await _sign_in(http, base, email)
        assert signed_in.status == 200, await signed_in.text()
        while not stop.is_set():
            try:
                async with http.get(f"{base}/api/v1/members") as response:
                    await response.read()
                    record.add(index, response)
            except (aiohttp.ClientError, TimeoutError):
                record.answers.append(Answer(time.monotonic(), 0, False, False, index))
            await asyncio.sleep(0.02)


async def _poll_sign_in(
    index: int, base: str, email: str, record: Record, stop: asyncio.Event
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        while not stop.is_set():
            try:
                async with await _sign_in(http, base, email) as response:
                    await response.read()
                    record.add(index, response)
            except (aiohttp.ClientError, TimeoutError):
                record.answers.append(Answer(time.monotonic(), 0, False, False, index))
            await asyncio.sleep(0.2)


async def run(restarts: int, down_seconds: float, pollers: int) -> None:
    server = PrivatePostgres(infra.free_port())
    vhost = infra.unique_name("bench_db_restart")
    amqp_url = infra.create_vhost(vhost)
    role: RoleProcess | None = None
    try:
        server.init()
        server.start()
        server.create_database("origin")
        email = await _arrange(server.url("origin"))
        port = infra.free_port()
        log_path = server.root / "bff.log"
        env = {"APP_ENV": "test", "DATABASE_URL": server.url("origin"), "AMQP_URL": amqp_url}
        role = RoleProcess(["-m", "bff"], port, env, log_path).start()
        await asyncio.to_thread(role.wait_healthy)

        record = Record()
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(_poll_members(i, role.url, email, record, stop))
            for i in range(pollers)
        ]
        tasks.append(asyncio.create_task(_poll_sign_in(pollers, role.url, email, record, stop)))
        await asyncio.sleep(2)

        windows: list[tuple[str, float, float, float]] = []
        for number in range(restarts):
            mode = "fast" if number % 2 == 0 else "immediate"
            stopping = time.monotonic()
            await asyncio.to_thread(server.stop, mode)
            await asyncio.sleep(down_seconds)
            await asyncio.to_thread(server.start)
            accepting = time.monotonic()
            windows.append((mode, stopping, accepting, accepting + GOAL_SECONDS + 5))
            await asyncio.sleep(GOAL_SECONDS + 5)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if role is not None:
            role.stop()
        server.remove()
        infra.delete_vhost(vhost)

    _report(record, windows, pollers)


def _report(record: Record, windows: list[tuple[str, float, float, float]], pollers: int) -> None:
    statuses = Counter(answer.status for answer in record.answers)
    print(f"answers: {len(record.answers)}  by status: {dict(sorted(statuses.items()))}")
    print(f"500s: {statuses.get(500, 0)} (goal 0)")
    worst = 0.0
    for number, (mode, stopping, accepting, until) in enumerate(windows, 1):
        down = [a for a in record.answers if stopping <= a.at < accepting]
        after = [a for a in record.answers if accepting <= a.at < until]
        well_formed = sum(1 for a in down if a.status == 503 and a.problem and a.retry_after)
        failing_down = Counter(a.status for a in down)
        first_ok = next((a.at - accepting for a in after if a.status == 200), None)
        last_bad = max((a.at - accepting for a in after if a.status != 200), default=0.0)
        every_poller = []
        for poller in range(pollers + 1):
            ok = next(
                (a.at - accepting for a in after if a.poller == poller and a.status == 200), None
            )
            every_poller.append(ok)
        all_ok = None if None in every_poller else max(x for x in every_poller if x is not None)
        worst = max(worst, all_ok if all_ok is not None else float("inf"))
        print(
            f"restart {number} (-m {mode}): from stop until accepting again {len(down)} answers"
            f" {dict(failing_down)},"
            f" {well_formed} of them 503 problem+json with Retry-After;"
            f" after: first 200 at {_seconds(first_ok)}, every poller 200 by {_seconds(all_ok)},"
            f" last non-200 at {last_bad:.2f} s"
        )
    print(
        f"worst seconds until every poller had a 200 again: {worst:.2f}"
        f" (goal <= {GOAL_SECONDS:.0f})"
    )


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--down-seconds", type=float, default=3.0)
    parser.add_argument("--pollers", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.restarts, args.down_seconds, args.pollers))


if __name__ == "__main__":
    main()
