"""Rolling restart under load: two bff and two gateway web replicas behind HAProxy.

    .venv/bin/python -m bench.rolling [--connections 64] [--steady-seconds 15] [--drain-seconds 3]

HAProxy (Debian's package: `apt-get install -y haproxy`) health-checks each
replica's `GET /` as the ALB does (readiness: 503 while draining) and spreads
requests over the healthy ones. The benchmark seeds one advisor and members in
its own database and vhost, signs in through HAProxy, then keeps `--connections`
connections on the member screen (`GET /api/v1/members/{id}`) and as many on
the Twilio webhook (signed status callbacks), measures a steady phase, and then
restarts each replica in turn: SIGTERM (the role reports draining for
`DRAIN_SECONDS`, so HAProxy takes it out before its listener closes, then
finishes what it holds), wait for it to exit, start it again, wait until HAProxy
sees it up. It prints requests sent, failed (any answer but 200, or no
answer), and p99 in the steady phase and during the restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import httpx
from pydantic import SecretStr

from connectors.sms import compute_twilio_signature
from shared.database import create_pool, transaction
from shared.identity.passwords import hash_password_sync
from shared.migrate import migrate
from tests.support import infra
from tests.support.processes import RoleProcess

PASSWORD = "Rolling-bench-password-42!"
AUTH_TOKEN = "rolling-bench-twilio-token-0123456789abcdef"
HAPROXY_INSTALL = "apt-get install -y haproxy"


def haproxy_config(
    bff_port: int, web_port: int, bff: list[int], web: list[int], *, retries: bool = False
) -> str:
    """Two frontends, each balancing over its replicas, checking `/` like the ALB.

    Like the ALB, HAProxy sends nothing again by default: draining alone must avoid failures.
    """

    def backend(name: str, ports: list[int]) -> str:
        servers = "\n".join(
            f"    server {name}{n} 127.0.0.1:{port} check inter 500ms fall 2 rise 2"
            for n, port in enumerate(ports)
        )
        return (
            f"backend {name}\n"
            "    balance roundrobin\n"
            "    option httpchk GET /\n"
            "    http-check expect status 200\n"
            # With --lb-retries: a request that met a closing connection goes to the other one.
            + (
                "    retry-on conn-failure empty-response response-timeout\n"
                "    retries 3\n    option redispatch 1\n"
                if retries
                else "    retries 0\n"
            )
            + f"{servers}\n"
        )

    return (
        "global\n"
        "    maxconn 4096\n"
        "defaults\n"
        "    mode http\n"
        "    timeout connect 2s\n"
        "    timeout client 30s\n"
        "    timeout server 30s\n"
        "    option http-keep-alive\n"
        f"frontend bff\n    bind 127.0.0.1:{bff_port}\n    default_backend bff_replicas\n"
        f"frontend gateway\n    bind 127.0.0.1:{web_port}\n    default_backend web_replicas\n"
        + backend("bff_replicas", bff)
        + backend("web_replicas", web)
    )


@dataclass
class Sample:
    at: float
    seconds: float
    ok: bool


@dataclass
class Target:
    name: str
    samples: list[Sample] = field(default_factory=list)


async def seed(dsn: str, members: int) -> tuple[str, list[str]]:
    pool = await create_pool(dsn, max_size=2, statement_timeout_ms=0, application_name="bench")
    try:
        await migrate(pool)
        email = f"rolling.{uuid.uuid4().hex[:8]}@example.com"
        advisor_id = str(uuid.uuid4())
        ids = [str(uuid.uuid4()) for _ in range(members)]
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, 'Rolling Advisor', 'advisor', %s)",
                (advisor_id, email, hash_password_sync(PASSWORD)),
            )
            for n, member_id in enumerate(ids):
                await cur.execute(
                    "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
                    " access_type, advisor_id) VALUES (%s, %s, %s, %s, 'US', true, 'dtc', %s)",
                    (
                        member_id,
                        f"r.{member_id}@example.com",
                        f"Member {n}",
                        f"+1555{n:07d}",
                        advisor_id,
                    ),
                )
    finally:
        pool.close()
        await pool.wait_closed()
    return email, ids


async def sign_in(bff_url: str, email: str) -> dict[str, str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(
            f"{bff_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ) as response:
            response.raise_for_status()
            body = await response.json()
            cookie = "; ".join(f"{k}={v.value}" for k, v in response.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]}


def callback(base_url: str) -> tuple[str, bytes, dict[str, str]]:
    """A distinct signed status callback (unknown message: stored once, answered 200)."""
    url = f"{base_url}/webhooks/twilio?message_id={uuid.uuid4()}"
    sid = "SM" + uuid.uuid4().hex
    params = {
        "AccountSid": "AC" + "0" * 31 + "1",
        "MessageSid": sid,
        "MessageStatus": "delivered",
        "SmsSid": sid,
        "SmsStatus": "delivered",
        "To": "+15005550006",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": compute_twilio_signature(SecretStr(AUTH_TOKEN), url, params),
    }
    return url, urlencode(params).encode(), headers


async def drive(
    stop: asyncio.Event,
    connections: int,
    screen: Target,
    webhook: Target,
    bff_url: str,
    gateway_url: str,
    headers: dict[str, str],
    members: list[str],
) -> None:
    timeout = aiohttp.ClientTimeout(total=10)

    async def one(target: Target, request: object) -> None:
        started = time.perf_counter()
        ok = False
        try:
            async with request as response:  # type: ignore[attr-defined]
                await response.read()
                ok = response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        target.samples.append(Sample(started, time.perf_counter() - started, ok))

    async def screen_loop(http: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            url = f"{bff_url}/api/v1/members/{random.choice(members)}"
            await one(screen, http.get(url, headers=headers, timeout=timeout))

    async def webhook_loop(http: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            url, body, signed = callback(gateway_url)
            await one(webhook, http.post(url, data=body, headers=signed, timeout=timeout))

    limit = aiohttp.TCPConnector(limit=connections * 2)
    async with aiohttp.ClientSession(connector=limit, cookie_jar=aiohttp.DummyCookieJar()) as http:
        await asyncio.gather(
            *(screen_loop(http) for _ in range(connections)),
            *(webhook_loop(http) for _ in range(connections)),
        )


def start_haproxy(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """HAProxy in the foreground (`-db`), so stopping it is one signal."""
    with log.open("wb") as out:
        return subprocess.Popen(["haproxy", "-f", str(config), "-db"], stdout=out, stderr=out)


def wait_up_behind(proxy_url: str, replica: RoleProcess, timeout: float = 60) -> None:
    """The replica answers `/` 200 and HAProxy has had time to count its rise checks."""
    replica.wait_healthy(timeout=timeout)
    time.sleep(1.5)  # rise 2 at inter 500 ms, with margin
    httpx.get(proxy_url + "/", timeout=5).raise_for_status()


def p99(samples: list[Sample]) -> float:
    ordered = sorted(s.seconds for s in samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else 0.0


async def run(args: argparse.Namespace) -> int:
    if shutil.which("haproxy") is None:
        print(f"HAProxy is not installed; install it with: {HAPROXY_INSTALL}")
        return 2
    db_name, vhost = infra.unique_name("bench_rolling"), infra.unique_name("bench_rolling")
    dsn, amqp = infra.create_database(db_name), infra.create_vhost(vhost)
    logs = Path(tempfile.mkdtemp(prefix="rolling-logs-"))
    replicas: list[RoleProcess] = []
    haproxy: subprocess.Popen[bytes] | None = None
    try:
        email, members = await seed(dsn, args.members)
        bff_proxy, web_proxy = infra.free_port(), infra.free_port()
        bff_url, gateway_url = f"http://127.0.0.1:{bff_proxy}", f"http://127.0.0.1:{web_proxy}"
        env = {
            "APP_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": dsn,
            "AMQP_URL": amqp,
            "SMS_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_WEBHOOK_BASE_URL": gateway_url,
            "GATEWAY_INTERNAL_URL": gateway_url,
            "DRAIN_SECONDS": str(args.drain_seconds),
            "SHUTDOWN_TIMEOUT_SECONDS": "10",
        }
        for n in (1, 2):
            replicas.append(
                RoleProcess(["-m", "bff"], infra.free_port(), env, logs / f"bff-{n}.log")
            )
        for n in (1, 2):
            replicas.append(
                RoleProcess(["-m", "gateway", "web"], infra.free_port(), env, logs / f"web-{n}.log")
            )
        for replica in replicas:
            replica.start()
        for replica in replicas:
            replica.wait_healthy(timeout=60)
        config = logs / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                bff_proxy, web_proxy, [r.port for r in replicas[:2]], [r.port for r in replicas[2:]]
            )
        )
        haproxy = start_haproxy(config, logs / "haproxy.log")
        for replica, proxy in zip(
            replicas, [bff_url, bff_url, gateway_url, gateway_url], strict=True
        ):
            await asyncio.to_thread(wait_up_behind, proxy, replica)
        headers = await sign_in(bff_url, email)
        screen, webhook = Target("member screen"), Target("twilio webhook")
        stop = asyncio.Event()
        load = asyncio.create_task(
            drive(stop, args.connections, screen, webhook, bff_url, gateway_url, headers, members)
        )
        await asyncio.sleep(2)  # warm-up, not measured
        steady_from = time.perf_counter()
        await asyncio.sleep(args.steady_seconds)
        restarts_from = time.perf_counter()
        for replica, proxy in zip(
            replicas, [bff_url, bff_url, gateway_url, gateway_url], strict=True
        ):
            replica.terminate()
            code = await asyncio.to_thread(replica.wait, 40)
            print(
                f"  {' '.join(replica.args[1:])} :{replica.port} stopped (exit {code})", flush=True
            )
            replica.log_path = replica.log_path.with_suffix(".restarted.log")
            replica.start()
            await asyncio.to_thread(wait_up_behind, proxy, replica)
        restarts_until = time.perf_counter()
        stop.set()
        await load
        print()
        print(
            f"{args.connections} connections each; steady {args.steady_seconds:.0f} s,"
            f" restarts {restarts_until - restarts_from:.0f} s"
            f" (4 replicas, DRAIN_SECONDS={args.drain_seconds})"
        )
        worst = 0.0
        failed_total = 0
        for target in (screen, webhook):
            steady = [s for s in target.samples if steady_from <= s.at < restarts_from]
            during = [s for s in target.samples if restarts_from <= s.at < restarts_until]
            measured = [s for s in target.samples if s.at >= steady_from]
            failed = sum(not s.ok for s in measured)
            failed_total += failed
            ratio = p99(during) / p99(steady) if p99(steady) else 0.0
            worst = max(worst, ratio)
            print(
                f"{target.name:<15} sent {len(measured):7d}   failed {failed:4d}"
                f"   p99 steady {p99(steady):6.1f} ms   during restarts {p99(during):6.1f} ms"
                f"   ({ratio:.2f}x)"
            )
        print(
            f"goal: 0 failed (got {failed_total}), p99 during restarts <= 2x steady"
            f" (worst {worst:.2f}x)"
        )
        return 0
    finally:
        for replica in replicas:
            replica.stop()
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        infra.drop_database(db_name)
        infra.delete_vhost(vhost)
        if args.keep_logs:
            print(f"logs kept in {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rolling")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--steady-seconds", type=float, default=15.0)
    parser.add_argument("--drain-seconds", type=float, default=3.0)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument(
        "--lb-retries",
        action="store_true",
        help="let HAProxy resend requests that met a closing connection",
    )
    parser.add_argument("--keep-logs", action="store_true")
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
