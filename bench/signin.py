"""Sign-in burst benchmark: does a burst of sign-ins starve the member screen?

    .venv/bin/python -m bench.signin [--members 10000] [--connections 16] [--signins 8]
                                     [--seconds 30] [--rounds 6]

It creates its own database and vhost, seeds members for one advisor and one user per
sign-in slot (argon2id hashes with today's parameters), runs the bff (`python -m bff`)
and drives `GET /api/v1/members/{id}` with N closed-loop connections. Rounds alternate
(as `bench.bff` does, so drift of a shared machine weighs on both alike): the screen
alone, then the screen with S sign-ins at a time beside it (each slot signs its own
user in again as soon as the last sign-in answered). It prints the screen's requests/s
in both, their ratio (goal >= 70%), the screen's p99 during sign-ins (goal <= 100 ms),
and sign-ins per second (goal >= 15/s), with the sign-ins refused 503 as busy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.bff import (
    PASSWORD,
    POOL_SIZE,
    add_users,
    drive,
    percentile,
    screen_requests,
    seed,
    sign_in,
)
from tests.support import infra
from tests.support.processes import RoleProcess

GOAL_RATIO = 0.70
GOAL_P99_MS = 100.0
GOAL_SIGNINS_PER_SECOND = 15.0


async def sign_ins(
    base_url: str, emails: list[str], *, seconds: float
) -> tuple[int, int, int, list[float]]:
    """Each slot signs its user in, again and again, for `seconds`: (ok, busy, other, latencies)."""
    counts = {"ok": 0, "busy": 0, "other": 0}
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=len(emails))
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:

        async def slot(email: str) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with http.post(
                    f"{base_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
                ) as response:
                    await response.read()
                    status = response.status
                if status == 200:
                    counts["ok"] += 1
                    latencies.append(time.perf_counter() - started)
                elif status == 503:
                    counts["busy"] += 1
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                else:
                    counts["other"] += 1

        await asyncio.gather(*(slot(email) for email in emails))
    return counts["ok"], counts["busy"], counts["other"], latencies


async def run(args: argparse.Namespace) -> None:
    database = infra.unique_name("origin_bench")
    vhost = infra.unique_name("origin_bench")
    dsn = infra.create_database(database)
    amqp = infra.create_vhost(vhost)
    logs = Path(tempfile.mkdtemp(prefix="bench-signin-"))
    bff: RoleProcess | None = None
    try:
        print(f"seeding {args.members} members ...", flush=True)
        email, member_ids = await seed(dsn, args.members)
        signers = await add_users(dsn, args.signins)
        env = {
            "APP_ENV": "test",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": dsn,
            "AMQP_URL": amqp,
            "DB_POOL_MAX_SIZE": str(POOL_SIZE),
        }
        bff = RoleProcess(["-m", "bff"], infra.free_port(), env, logs / "bff.log").start()
        bff.wait_healthy()
        base_url = bff.url
        headers = await sign_in(base_url, email)

        walk = [random.choice(member_ids) for _ in range(50_000)]
        screens = screen_requests(base_url, "/api/v1/members/", walk, headers)

        print(
            f"warming up, then {args.seconds:.0f} s per side at {args.connections} connections"
            f" on the member screen, {args.signins} sign-ins at a time beside it,"
            f" in {args.rounds} alternating rounds"
        )
        await drive(base_url, screens, connections=args.connections, seconds=3)
        await sign_ins(base_url, signers, seconds=2)
        alone_rate = burst_rate = 0.0
        alone_lat: list[float] = []
        burst_lat: list[float] = []
        ok = busy = other = 0
        signin_lat: list[float] = []
        errors = 0
        slice_seconds = args.seconds / args.rounds
        burst_elapsed = 0.0
        for _ in range(args.rounds):
            rate, latencies, errs = await drive(
                base_url, screens, connections=args.connections, seconds=slice_seconds
            )
            alone_rate += rate / args.rounds
            alone_lat += latencies
            errors += errs
            started = time.perf_counter()
            (rate, latencies, errs), (n_ok, n_busy, n_other, lat) = await asyncio.gather(
                drive(base_url, screens, connections=args.connections, seconds=slice_seconds),
                sign_ins(base_url, signers, seconds=slice_seconds),
            )
            burst_elapsed += time.perf_counter() - started
            burst_rate += rate / args.rounds
            burst_lat += latencies
            errors += errs
            ok, busy, other = ok + n_ok, busy + n_busy, other + n_other
            signin_lat += lat
        ratio = burst_rate / alone_rate
        p99_ms = percentile(burst_lat, 0.99) * 1000
        per_second = ok / burst_elapsed

        def mark(good: bool) -> str:
            return "ok" if good else "MISSED"

        print(
            f"member screen alone          {alone_rate:8.0f} req/s"
            f"   p50 {percentile(alone_lat, 0.5) * 1000:6.1f} ms"
            f"   p99 {percentile(alone_lat, 0.99) * 1000:6.1f} ms"
        )
        print(
            f"member screen with sign-ins  {burst_rate:8.0f} req/s"
            f"   p50 {percentile(burst_lat, 0.5) * 1000:6.1f} ms   p99 {p99_ms:6.1f} ms"
            f"   (goal <= {GOAL_P99_MS:.0f} ms: {mark(p99_ms <= GOAL_P99_MS)})"
        )
        print(
            f"throughput kept              {ratio:8.0%}"
            f"   (goal >= {GOAL_RATIO:.0%}: {mark(ratio >= GOAL_RATIO)})"
        )
        print(
            f"sign-ins                     {per_second:8.1f} /s"
            f"   p50 {percentile(signin_lat, 0.5) * 1000:6.1f} ms"
            f"   p99 {percentile(signin_lat, 0.99) * 1000:6.1f} ms"
            f"   busy (503) {busy}   other failures {other}"
            f"   (goal >= {GOAL_SIGNINS_PER_SECOND:.0f}/s:"
            f" {mark(per_second >= GOAL_SIGNINS_PER_SECOND)})"
        )
        print(f"screen errors                {errors}")
        print(
            json.dumps(
                {
                    "screen_alone_rps": round(alone_rate),
                    "screen_with_signins_rps": round(burst_rate),
                    "ratio": round(ratio, 3),
                    "screen_p99_ms_with_signins": round(p99_ms, 1),
                    "signins_per_second": round(per_second, 1),
                    "signins_busy": busy,
                    "signins_failed": other,
                    "screen_errors": errors,
                }
            )
        )
    finally:
        if bff is not None:
            bff.stop()
        infra.drop_database(database)
        infra.delete_vhost(vhost)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signin")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--signins", type=int, default=8, help="sign-ins at a time")
    parser.add_argument("--seconds", type=float, default=30.0, help="per side, over all rounds")
    parser.add_argument("--rounds", type=int, default=6, help="alternating slices per side")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
