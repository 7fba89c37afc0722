"""Connectors under a provider outage, and an SMS backlog against the sender's rate limit.

`python -m bench.connectors [--seconds 30] [--rate 50] [--connector sms]` (outage)

Starts the provider simulator as a child process on a free port, scripts it
to fail every provider call (503), and drives one connector client with the
production policy defaults at a steady call rate. Prints:

- attempts per call: HTTP requests that reached the provider / calls made
  (goal <= 1.1: retries must not multiply load during an outage);
- seconds until the breaker opens (goal <= 10);
- event-loop lag p99, sampled every 10 ms while the load runs (goal <= 20 ms).

`python -m bench.connectors backlog [--messages 2000] [--limit 50] [--workers 2]`

Creates its own database and vhost, starts the simulator (refusing with 429 /
20429 any send beyond `--limit` a second from one sender), gateway web and
`--workers` gateway workers, all configured with that sender limit
(`SMS_SENDER_MESSAGES_PER_SECOND`; production's is Twilio's 1 a second, which
would make 2,000 messages a 35-minute run). With the `sms.dispatch` switch
off it queues `--messages` SMS, waits until they all sit in `gateway.sms`,
turns the switch on, and waits until the simulator has them all. Prints the
provider-side rate (most sends the simulator received in any 1 s window;
goal <= limit), the provider's 429s (goal 0), the drain rate against the
limit (goal >= 90 %), and the dead letters (goal 0).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from bench.results import save_results
from connectors.aggregation import AggregationConfig, open_aggregation_client
from connectors.bookings import SchedulingConfig, SubscriptionScope, open_scheduling_client
from connectors.breaker import BreakerState
from connectors.errors import ConnectorError
from connectors.policy import ProviderPolicy
from connectors.simulator import SimulatorConfig
from connectors.sms import SmsConfig, open_sms_client
from shared.settings import AppEnv

ROOT = Path(__file__).resolve().parents[1]
LAG_GOAL_MS = 20.0
GOALS = {"attempts_per_call": 1.1, "seconds_to_open": 10.0, "loop_lag_p99_ms": LAG_GOAL_MS}


@dataclass
class Figures:
    """What one run measured."""

    connector: str
    seconds: float
    calls: int = 0
    provider_attempts: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds_to_open: float | None = None
    times_opened: int = 0
    lags_ms: list[float] = field(default_factory=list)
    idle_lags_ms: list[float] = field(default_factory=list)  # the reference: no load

    @property
    def attempts_per_call(self) -> float:
        return self.provider_attempts / self.calls if self.calls else 0.0

    @property
    def lag_p99_ms(self) -> float:
        return _p99(self.lags_ms)

    @property
    def idle_lag_p99_ms(self) -> float:
        return _p99(self.idle_lags_ms)


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return max(values, default=0.0)
    return statistics.quantiles(values, n=100)[98]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def simulator_process() -> AsyncIterator[str]:
    """`python -m connectors.simulator` on a free port, stopped on exit; yields its URL."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "SIMULATOR_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "connectors.simulator", cwd=ROOT, env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await _wait_healthy(url, process, log)
            yield url
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), timeout=10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_healthy(url: str, process: asyncio.subprocess.Process, log: IO[bytes]) -> None:
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(base_url=url) as client:
        while True:
            try:
                if (await client.get("/")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.returncode is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"simulator did not start:\n{log.read().decode()}")
            await asyncio.sleep(0.1)


Call = Callable[[], Awaitable[Any]]


@asynccontextmanager
async def connector_call(name: str, url: str) -> AsyncIterator[tuple[Call, ProviderPolicy]]:
    """One connector client on the simulator (production policy defaults) and a call to repeat."""
    fake = SimulatorConfig.model_construct()  # only its default fake credentials are used
    if name == "sms":
        sms_config = SmsConfig(
            base_url=url,
            account_sid=fake.twilio_account_sid,
            auth_token=fake.twilio_auth_token,
            from_number="+15550009999",
            simulator_urls=(url,),
        )
        async with open_sms_client(sms_config, app_env=AppEnv.TEST) as sms:
            yield (lambda: sms.send("+15551230001", "Your session is tomorrow")), sms.policy
    elif name == "aggregation":
        plaid_config = AggregationConfig(
            base_url=url, client_id=fake.plaid_client_id, secret=fake.plaid_secret
        )
        async with open_aggregation_client(plaid_config) as plaid:
            token = SecretStr("access-sandbox-bench")
            yield (lambda: plaid.sync_transactions(token)), plaid.policy
    elif name == "scheduling":
        calendly_config = SchedulingConfig(base_url=url, api_token=fake.calendly_api_token)
        async with open_scheduling_client(calendly_config) as calendly:

            async def list_subscriptions() -> Any:
                return await calendly.list_webhook_subscriptions(
                    organization="org", scope=SubscriptionScope.ORGANIZATION
                )

            yield list_subscriptions, calendly.policy
    else:
        raise SystemExit(f"unknown connector {name!r}")


async def _sample_loop_lag(figures: Figures, stop: asyncio.Event, interval: float = 0.01) -> None:
    await _sample_into(figures.lags_ms, stop, interval)


async def _sample_into(lags: list[float], stop: asyncio.Event, interval: float = 0.01) -> None:
    while not stop.is_set():
        expected = time.perf_counter() + interval
        await asyncio.sleep(interval)
        lags.append(max(0.0, (time.perf_counter() - expected) * 1000))


async def _sample_idle(figures: Figures, seconds: float) -> None:
    """The same sampler on the same loop with no load: what the machine alone costs."""
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_into(figures.idle_lags_ms, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await sampler


async def _watch_breaker(
    policy: ProviderPolicy, figures: Figures, started: float, stop: asyncio.Event
) -> None:
    while not stop.is_set() and figures.seconds_to_open is None:
        if policy.breaker.snapshot().state is BreakerState.OPEN:
            figures.seconds_to_open = time.monotonic() - started
            return
        await asyncio.sleep(0.005)


async def run_benchmark(connector: str, seconds: float, rate: float) -> Figures:
    """Fail every provider call for `seconds` while calling at `rate` per second."""
    figures = Figures(connector=connector, seconds=seconds)
    async with simulator_process() as url, httpx.AsyncClient(base_url=url) as admin:
        fault = {"prefix": "/", "status": 503}
        (await admin.post("/_admin/faults", json={"rules": [fault]})).raise_for_status()
        async with connector_call(connector, url) as (call, policy):
            await _sample_idle(figures, min(5.0, seconds / 4))  # reference before the load
            stop = asyncio.Event()
            started = time.monotonic()
            sampler = asyncio.create_task(_sample_loop_lag(figures, stop))
            watcher = asyncio.create_task(_watch_breaker(policy, figures, started, stop))
            tasks: list[asyncio.Task[None]] = []

            async def one_call() -> None:
                try:
                    await call()
                    figures.outcomes["ok"] += 1
                except ConnectorError as exc:
                    figures.outcomes[type(exc).__name__] += 1

            interval = 1.0 / rate
            next_at = started
            while next_at < started + seconds:
                tasks.append(asyncio.create_task(one_call()))
                figures.calls += 1
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await asyncio.gather(*tasks)
            stop.set()
            await asyncio.gather(sampler, watcher)
            figures.times_opened = policy.breaker.snapshot().times_opened
            await _sample_idle(figures, min(5.0, seconds / 4))  # and after it
        rules = (await admin.get("/_admin/faults")).json()["rules"]
        figures.provider_attempts = sum(rule["matched"] for rule in rules)
    return figures


def report(figures: Figures) -> str:
    """The figures as lines, each against its goal."""

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    opened = figures.seconds_to_open
    lines = [
        f"connector: {figures.connector}, every provider call failing (503) for "
        f"{figures.seconds:.0f} s at {figures.calls / figures.seconds:.0f} calls/s",
        f"calls made:                {figures.calls}",
        f"provider attempts (HTTP):  {figures.provider_attempts}",
        f"outcomes:                  {dict(figures.outcomes)}",
        f"attempts per call:         {figures.attempts_per_call:.3f}   "
        f"(goal <= {GOALS['attempts_per_call']}) {verdict(figures.attempts_per_call <= 1.1)}",
        "seconds until breaker open: "
        + (f"{opened:.3f}" if opened is not None else "never")
        + f"   (goal <= {GOALS['seconds_to_open']:.0f}) "
        + verdict(opened is not None and opened <= 10),
        f"times the breaker opened:  {figures.times_opened}",
        f"event-loop lag p99:        {figures.lag_p99_ms:.1f} ms   "
        f"(goal <= {LAG_GOAL_MS:.0f} ms) {verdict(figures.lag_p99_ms <= LAG_GOAL_MS)}"
        f"   [max {max(figures.lags_ms, default=0):.1f} ms over {len(figures.lags_ms)} samples]",
        f"same loop idle, lag p99:   {figures.idle_lag_p99_ms:.1f} ms   (reference: the machine's"
        f" own scheduling delay, {len(figures.idle_lags_ms)} samples before and after the load)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=50.0, help="calls per second")
    parser.add_argument("--connector", choices=("sms", "aggregation", "scheduling"), default="sms")
    sub = parser.add_subparsers(dest="scenario")
    backlog = sub.add_parser("backlog", help="an SMS backlog against the sender's rate limit")
    backlog.add_argument("--messages", type=int, default=2000)
    backlog.add_argument("--limit", type=int, default=50, help="sender messages per second")
    backlog.add_argument("--workers", type=int, default=2, help="gateway worker replicas")
    args = parser.parse_args()
    # One warning per retry is right in production; here it would drown the figures.
    logging.basicConfig(level=logging.ERROR)
    if args.scenario == "backlog":
        print(backlog_report(asyncio.run(run_backlog(args.messages, args.limit, args.workers))))
        return
    figures = asyncio.run(run_benchmark(args.connector, args.seconds, args.rate))
    print(report(figures))
    save_results(
        "connectors",
        {
            "connector": figures.connector,
            "calls": figures.calls,
            "provider_attempts": figures.provider_attempts,
            "outcomes": {str(k): v for k, v in figures.outcomes.items()},
            "seconds_to_open": figures.seconds_to_open,
            "attempts_per_call": figures.attempts_per_call,
            "lag_p99_ms": figures.lag_p99_ms,
            "idle_lag_p99_ms": figures.idle_lag_p99_ms,
        },
    )


# ---- backlog: a paused switch turned back on -----------------------------------------


@dataclass
class BacklogFigures:
    """What one backlog run measured at the simulator (the provider's side)."""

    messages: int
    limit: int
    workers: int
    arrivals: list[float] = field(default_factory=list)
    throttled: int = 0
    dead_letters: int = 0
    queued_before_on: int = 0
    seconds_to_drain: float = 0.0

    @property
    def busiest_second(self) -> int:
        """Most sends that arrived in any 1 s window (sliding over every arrival)."""
        times = sorted(self.arrivals)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    @property
    def drain_rate(self) -> float:
        """Sends per second from the first arrival to the last."""
        if len(self.arrivals) < 2:
            return 0.0
        return (len(self.arrivals) - 1) / (max(self.arrivals) - min(self.arrivals))


async def _queue_depth(amqp_vhost: str, queue: str) -> int:
    from tests.support import infra

    response = infra._management("GET", f"queues/{quote(amqp_vhost, safe='')}/{queue}")
    if response.status_code != 200:
        return -1
    return int(response.json().get("messages", 0))


async def run_backlog(messages: int, limit: int, workers: int) -> BacklogFigures:
    """Queue `messages` SMS behind the paused switch, turn it on, measure at the simulator."""
    from shared import switches
    from shared.database import create_pool, transaction
    from shared.events import REGISTRY, SmsRequested
    from shared.messaging import outbox
    from shared.migrate import migrate
    from tests.support import infra
    from tests.support.processes import RoleProcess

    figures = BacklogFigures(messages=messages, limit=limit, workers=workers)
    db_name, vhost = infra.unique_name("bench_backlog"), infra.unique_name("bench_backlog")
    dsn, amqp = infra.create_database(db_name), infra.create_vhost(vhost)
    logs = Path(tempfile.mkdtemp(prefix="bench-backlog-"))
    roles: list[RoleProcess] = []
    pool = await create_pool(dsn, max_size=2, statement_timeout_ms=0, application_name="bench")
    try:
        await migrate(pool)
        async with transaction(pool) as cur:
            await switches.set_switch(cur, "sms.dispatch", enabled=False, updated_by="bench")
        web_port, sim_port = infra.free_port(), infra.free_port()
        web_url, sim_url = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{sim_port}"
        common = {
            "APP_ENV": "test",
            "DATABASE_URL": dsn,
            "AMQP_URL": amqp,
            "LOG_LEVEL": "WARNING",
            "PUBLIC_WEBHOOK_BASE_URL": web_url,
            "SMS_BASE_URL": sim_url,
            "AGGREGATION_BASE_URL": sim_url,
            "SCHEDULING_BASE_URL": sim_url,
            "SMS_SENDER_MESSAGES_PER_SECOND": str(limit),
        }
        simulator = RoleProcess(
            ["-m", "connectors.simulator"],
            sim_port,
            {
                "SIMULATOR_LOG_LEVEL": "WARNING",
                "SIMULATOR_GATEWAY_WEBHOOK_BASE_URL": web_url,
                "SIMULATOR_SMS_SENDER_LIMIT_PER_SECOND": str(limit),
                "SIMULATOR_SMS_STATUS_DELAY_SECONDS": "0.05",
            },
            logs / "simulator.log",
        )
        roles.append(simulator.start())
        roles.append(
            RoleProcess(["-m", "gateway", "web"], web_port, common, logs / "web.log").start()
        )
        for n in range(workers):
            port = infra.free_port()
            roles.append(
                RoleProcess(
                    ["-m", "gateway", "worker"], port, common, logs / f"worker-{n}.log"
                ).start()
            )
        for role in roles:
            role.wait_healthy(timeout=60)

        member_id = uuid.uuid4()
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
                " access_type) VALUES (%s, %s, 'Bench Member', '+15551234567', 'US', true, 'dtc')",
                (str(member_id), f"bench-{member_id.hex[:8]}@example.com"),
            )
            ids = [uuid.uuid4() for _ in range(messages)]
            await cur.execute(
                "INSERT INTO sms_messages (id, member_id, body, status)"
                " SELECT unnest(%s::uuid[]), %s, 'Your session is tomorrow', 'requested'",
                ([str(i) for i in ids], str(member_id)),
            )
            await outbox.add_many(
                cur,
                [
                    REGISTRY.build(
                        SmsRequested(message_id=i, member_id=member_id),
                        name="sms.requested",
                        producer="bench",
                        correlation_id=f"bench-{i.hex[:8]}",
                    )
                    for i in ids
                ],
            )
        deadline = time.monotonic() + 120
        while (depth := await _queue_depth(vhost, "gateway.sms")) < messages:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {depth} of {messages} SMS reached gateway.sms")
            await asyncio.sleep(0.5)
        figures.queued_before_on = depth

        switched_on = time.monotonic()
        async with transaction(pool) as cur:
            await switches.set_switch(cur, "sms.dispatch", enabled=True, updated_by="bench")
        budget = messages / limit * 3 + 60
        async with httpx.AsyncClient(base_url=sim_url, timeout=30) as admin:
            while True:
                listing = (await admin.get("/_admin/sms")).json()
                if len(listing["messages"]) >= messages:
                    break
                if time.monotonic() - switched_on > budget:
                    break
                await asyncio.sleep(1.0)
            figures.seconds_to_drain = time.monotonic() - switched_on
            figures.arrivals = [m["received_at"] for m in listing["messages"]]
            figures.throttled = int(listing["throttled"])
        figures.dead_letters = max(0, await _queue_depth(vhost, "gateway.sms.dlq"))
    finally:
        for role in reversed(roles):
            role.stop()
        pool.close()
        await pool.wait_closed()
        infra.drop_database(db_name)
        infra.delete_vhost(vhost)
    return figures


def backlog_report(figures: BacklogFigures) -> str:
    """The backlog figures as lines, each against its goal."""

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    sent = len(figures.arrivals)
    share = figures.drain_rate / figures.limit if figures.limit else 0.0
    return "\n".join(
        [
            f"SMS backlog: {figures.messages} queued behind sms.dispatch=off "
            f"({figures.queued_before_on} in gateway.sms), then on; sender limit "
            f"{figures.limit}/s, {figures.workers} worker replicas",
            f"sent (received by the provider): {sent} of {figures.messages} "
            f"in {figures.seconds_to_drain:.1f} s   {verdict(sent == figures.messages)}",
            f"provider-side rate, busiest 1 s:  {figures.busiest_second}/s   "
            f"(goal <= {figures.limit}) {verdict(figures.busiest_second <= figures.limit)}",
            f"provider 429s (20429):           {figures.throttled}   "
            f"(goal 0) {verdict(figures.throttled == 0)}",
            f"drain rate:                      {figures.drain_rate:.1f}/s = {share:.0%} of the "
            f"limit   (goal >= 90%) {verdict(share >= 0.9)}",
            f"dead letters (gateway.sms.dlq):  {figures.dead_letters}   "
            f"(goal 0) {verdict(figures.dead_letters == 0)}",
        ]
    )


if __name__ == "__main__":
    main()
