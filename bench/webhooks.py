"""Webhook ingestion benchmark: signed Twilio callbacks into gateway web vs a bare INSERT.

    .venv/bin/python -m bench.webhooks [--seconds 10] [--connections 64]

Creates its own database and vhost, starts gateway web (`python -m gateway web`,
relay off as deployed) with gateway scheduler relaying its outbox rows, and a
reference aiohttp app doing one INSERT in a transaction through aiopg, each in
its own process, then drives both with the same lean load driver
(`bench.http_load`, its own process, 64 keep-alive connections, every request
prebuilt: for the gateway a distinct, correctly signed status callback).
Prints requests/s, p50 and p99 for each, and the ratio (goal: >= 100 % of
the reference, p99 <= 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from pydantic import SecretStr
from yarl import URL

from bench import http_load
from bench.http_load import build_request
from bench.results import save_results
from connectors.sms import compute_twilio_signature
from shared.database import create_pool, transaction
from shared.migrate import migrate
from tests.support import infra

AUTH_TOKEN = "bench-twilio-auth-token"
FORM = "application/x-www-form-urlencoded"


# ---- reference server (child process) -----------------------------------------------


async def reference_server(port: int, dsn: str) -> None:
    pool = await create_pool(dsn, max_size=10, statement_timeout_ms=5000, application_name="ref")

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        async with transaction(pool) as cur:
            await cur.execute("INSERT INTO bench_reference (payload) VALUES (%s)", (body.decode(),))
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/reference", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.Event().wait()


# ---- load driver (child process) ------------------------------------------------------


def signed_callbacks(base_url: str, count: int) -> list[bytes]:
    """Distinct status callbacks as raw requests, each signed as the provider would sign it."""
    url = URL(base_url)
    requests = []
    for _ in range(count):
        target = f"{url.path}?message_id={uuid.uuid4()}"
        sid = "SM" + uuid.uuid4().hex
        params = {
            "AccountSid": "AC" + "0" * 31 + "1",
            "MessageSid": sid,
            "MessageStatus": "delivered",
            "SmsSid": sid,
            "SmsStatus": "delivered",
            "To": "+15005550006",
        }
        signature = compute_twilio_signature(
            SecretStr(AUTH_TOKEN), f"{url.origin()}{target}", params
        )
        headers = {"Content-Type": FORM, "X-Twilio-Signature": signature}
        requests.append(
            build_request("POST", target, url.raw_authority, headers, urlencode(params).encode())
        )
    return requests


async def drive(url: str, seconds: float, connections: int, signed: bool) -> dict[str, Any]:
    parsed = URL(url)
    if signed:
        requests = signed_callbacks(url, 200_000)
    else:
        body = urlencode({"MessageSid": "SMx", "MessageStatus": "delivered"}).encode()
        headers = {"Content-Type": FORM}
        requests = [build_request("POST", parsed.raw_path, parsed.raw_authority, headers, body)]
    assert parsed.host is not None and parsed.port is not None
    return await http_load.drive(
        parsed.host, parsed.port, requests, connections=connections, seconds=seconds
    )


def _merge(rounds: list[dict[str, Any]]) -> dict[str, float]:
    """Alternating rounds of one side as one figure: all requests over all measured time."""
    latencies = sorted(latency for r in rounds for latency in r["latencies_ms"])
    return {
        "requests": len(latencies),
        "errors": sum(r["errors"] for r in rounds),
        "rps": len(latencies) / sum(r["elapsed_s"] for r in rounds),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


# ---- orchestration ----------------------------------------------------------------------


async def _outbox_drained(dsn: str, timeout: float = 30.0) -> tuple[int, int, float]:
    """Outbox rows written and still unpublished once the relay caught up (or `timeout`)."""
    pool = await create_pool(dsn, max_size=1, statement_timeout_ms=0, application_name="b")
    started = time.monotonic()
    try:
        while True:
            async with transaction(pool) as cur:
                await cur.execute(
                    "SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM outbox"
                )
                written, unpublished = await cur.fetchone()
            waited = time.monotonic() - started
            if unpublished == 0 or waited >= timeout:
                return written, unpublished, waited
            await asyncio.sleep(0.2)
    finally:
        pool.close()
        await pool.wait_closed()


def _spawn(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _drive(url: str, seconds: float, connections: int, signed: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", "drive", url, str(seconds), str(connections)]
        + (["--signed"] if signed else []),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(seconds: float, connections: int, rounds: int = 3) -> None:
    db_name = infra.unique_name("bench_webhooks")
    vhost = infra.unique_name("bench_webhooks")
    dsn = infra.create_database(db_name)
    amqp = infra.create_vhost(vhost)
    processes: list[subprocess.Popen[bytes]] = []
    try:

        async def prepare() -> None:
            pool = await create_pool(dsn, max_size=1, statement_timeout_ms=0, application_name="b")
            await migrate(pool)
            async with transaction(pool) as cur:
                await cur.execute(
                    "CREATE TABLE bench_reference (id bigserial PRIMARY KEY, payload text NOT NULL,"
                    " received_at timestamptz NOT NULL DEFAULT now())"
                )
            pool.close()
            await pool.wait_closed()

        asyncio.run(prepare())
        gateway_port, reference_port = infra.free_port(), infra.free_port()
        scheduler_port = infra.free_port()
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        role_env = {
            "APP_ENV": "test",
            "DATABASE_URL": dsn,
            "AMQP_URL": amqp,
            "SMS_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_WEBHOOK_BASE_URL": gateway_url,
            "LOG_LEVEL": "WARNING",
        }
        # As deployed (terraform `non_relaying_roles`): gateway web does not relay; a relaying
        # role on the same machine publishes its rows while the load runs, and is counted below.
        processes.append(
            _spawn(
                ["-m", "gateway", "web"],
                {**role_env, "PORT": str(gateway_port), "OUTBOX_RELAY_ENABLED": "false"},
            )
        )
        processes.append(
            _spawn(["-m", "gateway", "scheduler"], {**role_env, "PORT": str(scheduler_port)})
        )
        processes.append(_spawn(["-m", "bench.webhooks", "reference", str(reference_port), dsn]))
        _wait_http(gateway_url + "/")
        _wait_http(f"http://127.0.0.1:{scheduler_port}/")
        reference_url = f"http://127.0.0.1:{reference_port}/reference"
        _wait_http(reference_url)
        reference_rounds, gateway_rounds = [], []
        for _ in range(rounds):  # alternate, so the machine's load weighs on both sides
            slice_ = seconds / rounds
            reference_rounds.append(_drive(reference_url, slice_, connections, signed=False))
            gateway_rounds.append(
                _drive(gateway_url + "/webhooks/twilio", slice_, connections, signed=True)
            )
        reference, gateway = _merge(reference_rounds), _merge(gateway_rounds)
        written, unpublished, drain_s = asyncio.run(_outbox_drained(dsn))
        print(
            f"connections: {connections}, measured for {seconds:.0f} s each in {rounds}"
            " alternating rounds (each after 2 s warm-up)"
        )
        for name, figures in (("reference INSERT", reference), ("gateway webhook", gateway)):
            print(
                f"{name:<18} {figures['rps']:8.0f} req/s   p50 {figures['p50_ms']:6.1f} ms"
                f"   p99 {figures['p99_ms']:6.1f} ms   non-200: {figures['errors']:.0f}"
            )
        ratio = gateway["rps"] / reference["rps"]
        print(
            f"gateway / reference: {ratio:.0%} (goal >= 100%),"
            f" gateway p99 {gateway['p99_ms']:.1f} ms (goal <= 50 ms)"
        )
        print(
            f"outbox: {written} events written, {unpublished} unpublished"
            f" {drain_s:.1f} s after the last round (published by gateway scheduler's relay)"
        )
        save_results(
            "webhooks",
            {
                "reference": reference,
                "gateway": gateway,
                "ratio": round(ratio, 3),
                "outbox": {"written": written, "unpublished": unpublished},
            },
        )
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        infra.drop_database(db_name)
        infra.delete_vhost(vhost)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks")
    sub = parser.add_subparsers(dest="command")
    reference = sub.add_parser("reference")
    reference.add_argument("port", type=int)
    reference.add_argument("dsn")
    driver = sub.add_parser("drive")
    driver.add_argument("url")
    driver.add_argument("seconds", type=float)
    driver.add_argument("connections", type=int)
    driver.add_argument("--signed", action="store_true")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.command == "reference":
        asyncio.run(reference_server(args.port, args.dsn))
    elif args.command == "drive":
        figures = asyncio.run(drive(args.url, args.seconds, args.connections, args.signed))
        print(json.dumps(figures))
    else:
        run(args.seconds, args.connections, args.rounds)


if __name__ == "__main__":
    main()
