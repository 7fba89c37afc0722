"""Chaos benchmark: SMS and provider callbacks keep flowing while the broker and database restart.

    .venv/bin/python -m bench.chaos [--messages 1000] [--callbacks 1000] [--broker-restarts 10]
        [--db-restarts 2] [--shared-services] [--keep-logs]

It starts its own RabbitMQ node and Postgres cluster (`bench.private_services`;
`--shared-services` uses the machine's in a fresh database and vhost, faults
then drop every client connection instead of restarting), then the whole
system: bff, gateway web, two workers, two schedulers, provider simulator. It
seeds advisors and members in the database, signs the advisors in through the
bff, and sends `--messages` SMS through `POST /api/v1/members/{id}/messages`
and `--callbacks` signed Twilio status callbacks to `/webhooks/twilio`
(for messages seeded as `sent`), while it restarts RabbitMQ and Postgres for
real, SIGKILLs one worker, and SIGKILLs the scheduler that holds a run's
lease (each killed process is started again, as ECS would). It prints:

- accepted: SMS answered 202 and callbacks answered 2xx (a request answered
  otherwise is retried as a new request, as an advisor or a provider would);
- lost: accepted SMS the simulator never received, accepted callbacks not applied;
- duplicated: accepted SMS the simulator received more than once (counted
  at the simulator, per message body, which is unique per request);
- stuck: accepted SMS not final (delivered/undelivered/failed) at the end;
- seconds from the end of the last fault until every accepted message is final;
- whether every scheduled (job, slot) in the run ran exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from pydantic import SecretStr

from bench.chaos_checks import JobVerdict, job_verdicts
from bench.private_services import PrivateServices, Services, SharedServices
from connectors.sms import compute_twilio_signature
from shared.database import Pool, create_pool, transaction
from shared.identity.passwords import hash_password_sync
from shared.migrate import migrate
from tests.support.infra import free_port
from tests.support.processes import RoleProcess
from tests.support.simulator import SimulatorProcess

PASSWORD = "Chaos-bench-password-42!"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "simulator-twilio-auth-token"
FROM_NUMBER = "+15005550006"
FINAL = ("delivered", "undelivered", "failed")
SENDER_MESSAGES_PER_SECOND = 50  # the sender limit the roles run with (a short code: 100/s)
# The first reconciliation run is held this long at the provider, so its lease is held then.
HELD_LIST_MS = 8000


@dataclass
class System:
    """The running roles of one benchmark run."""

    logs: Path
    env: dict[str, str]
    simulator: RoleProcess
    gateway: RoleProcess
    bff: RoleProcess
    workers: list[RoleProcess] = field(default_factory=list)
    schedulers: list[RoleProcess] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)

    def role(self, name: str, args: list[str]) -> RoleProcess:
        return RoleProcess(args, free_port(), self.env, self.logs / f"{name}.log")

    def all(self) -> list[RoleProcess]:
        return [self.bff, self.gateway, *self.workers, *self.schedulers, self.simulator]


def start_system(services: Services, logs: Path, reconcile_after: int) -> System:
    gateway_port = free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    simulator = SimulatorProcess(
        logs / "simulator.log",
        {
            "SIMULATOR_GATEWAY_WEBHOOK_BASE_URL": gateway_url,
            "SIMULATOR_SEED": str(random.randrange(1 << 30)),
            "SIMULATOR_SMS_STATUS_DELAY_SECONDS": "0.2",
            "LOG_LEVEL": "WARNING",
        },
    ).start()
    simulator.wait_healthy()
    env = {
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": services.database_url,
        "AMQP_URL": services.amqp_url,
        "PUBLIC_WEBHOOK_BASE_URL": gateway_url,
        "GATEWAY_INTERNAL_URL": gateway_url,
        "SMS_BASE_URL": simulator.url,
        "AGGREGATION_BASE_URL": simulator.url,
        "SCHEDULING_BASE_URL": simulator.url,
        "SMS_RECONCILE_AFTER_SECONDS": str(reconcile_after),
        "SMS_STATUS_RECONCILE_AFTER_SECONDS": str(reconcile_after),
        # One sender number for every SMS: at the default long-code limit (1 a second) the
        # 1,000 messages would take over 18 minutes to send, faults or none. A short code's rate.
        "SMS_SENDER_MESSAGES_PER_SECOND": str(SENDER_MESSAGES_PER_SECOND),
        "SHUTDOWN_TIMEOUT_SECONDS": "10",
    }
    gateway = RoleProcess(["-m", "gateway", "web"], gateway_port, env, logs / "gateway-web.log")
    system = System(
        logs,
        env,
        simulator,
        gateway,
        RoleProcess(["-m", "bff"], free_port(), env, logs / "bff.log"),
    )
    system.workers = [system.role(f"worker-{n}", ["-m", "gateway", "worker"]) for n in (1, 2)]
    system.schedulers = [
        system.role(f"scheduler-{n}", ["-m", "gateway", "scheduler"]) for n in (1, 2)
    ]
    for role in system.all()[:-1]:
        role.start()
    for role in system.all()[:-1]:
        role.wait_healthy(timeout=60)
    return system


# ---- arrangement ---------------------------------------------------------------------------


@dataclass
class Seeded:
    advisors: list[str]
    members: dict[str, list[tuple[str, str]]]  # advisor email -> [(member id, phone)]
    callback_rows: list[tuple[str, str, str]]  # (message id, sid, phone)
    held_message: tuple[str, str, str]  # (message id, member phone, body) stuck before the run


async def seed(pool: Pool, advisors: int, members_each: int, callbacks: int) -> Seeded:
    await migrate(pool)
    password_hash = hash_password_sync(PASSWORD)
    run = uuid.uuid4().hex[:6]
    seeded = Seeded([], {}, [], ("", "", ""))
    phones = random.sample(range(10**7), advisors * members_each + 1)
    async with transaction(pool) as cur:
        for a in range(advisors):
            advisor_id, email = str(uuid.uuid4()), f"chaos.{run}.{a}@example.com"
            await cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, %s, 'advisor', %s)",
                (advisor_id, email, f"Chaos Advisor {a}", password_hash),
            )
            seeded.advisors.append(email)
            seeded.members[email] = []
            for m in range(members_each):
                member_id, phone = str(uuid.uuid4()), f"+1555{phones.pop():07d}"
                await cur.execute(
                    "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
                    " access_type, advisor_id) VALUES (%s, %s, %s, %s, 'US', true, 'dtc', %s)",
                    (member_id, f"m.{run}.{a}.{m}@example.com", f"Member {m}", phone, advisor_id),
                )
                seeded.members[email].append((member_id, phone))
        all_members = [m for ms in seeded.members.values() for m in ms]
        for n in range(callbacks):
            member_id, phone = all_members[n % len(all_members)]
            message_id, sid = str(uuid.uuid4()), f"SM{uuid.uuid4().hex}"
            await cur.execute(
                # Sent two hours ago: outside the per-member SMS limit's window.
                "INSERT INTO sms_messages (id, member_id, body, status, provider_message_id,"
                " created_at, updated_at) VALUES (%s, %s, 'sent before the run', 'sent', %s,"
                " now() - interval '2 hours', now())",
                (message_id, member_id, sid),
            )
            seeded.callback_rows.append((message_id, sid, phone))
        held_member, held_phone = all_members[0]
        held_id, held_body = str(uuid.uuid4()), f"held {run}"
        await cur.execute(  # a send whose worker died before recording it (reconciliation's)
            "INSERT INTO sms_messages (id, member_id, body, status, updated_at)"
            " VALUES (%s, %s, %s, 'sending', now() - interval '5 minutes')",
            (held_id, held_member, held_body),
        )
        seeded.held_message = (held_id, held_phone, held_body)
    return seeded


async def hold_first_reconciliation(simulator_url: str, held: tuple[str, str, str]) -> None:
    """Put the held send at the provider and slow the first list read, so a run holds a lease."""
    _, phone, body = held
    messages = f"{simulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    async with httpx.AsyncClient(timeout=10, auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        sent = await http.post(messages, data={"To": phone, "From": FROM_NUMBER, "Body": body})
        sent.raise_for_status()
        rule = {
            "prefix": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
            "method": "GET",
            "latency_ms": HELD_LIST_MS,
            "times": 1,
        }
        faulted = await http.post(f"{simulator_url}/_admin/faults", json={"rules": [rule]})
        faulted.raise_for_status()


async def sign_in(bff_url: str, email: str) -> dict[str, str]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.post(
            f"{bff_url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ) as response:
            response.raise_for_status()
            body = await response.json()
            cookie = "; ".join(f"{k}={v.value}" for k, v in response.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]}


# ---- load ----------------------------------------------------------------------------------


@dataclass
class Load:
    accepted_sms: dict[str, str] = field(default_factory=dict)  # message id -> body
    sms_attempts: int = 0
    sms_refused: Counter[int] = field(default_factory=Counter)
    sms_given_up: int = 0
    accepted_callbacks: list[str] = field(default_factory=list)  # message ids
    callback_attempts: int = 0
    callbacks_given_up: int = 0


async def send_sms(
    load: Load,
    bff_url: str,
    headers: dict[str, dict[str, str]],
    seeded: Seeded,
    count: int,
    seconds: float,
    concurrency: int = 8,
) -> None:
    """`count` SMS spread over `seconds`, round-robin over advisors and their members."""
    plan = []
    for n in range(count):
        email = seeded.advisors[n % len(seeded.advisors)]
        members = seeded.members[email]
        plan.append((n, email, members[(n // len(seeded.advisors)) % len(members)][0]))
    queue: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=15)

    async def worker(http: aiohttp.ClientSession) -> None:
        while True:
            n, email, member_id = await queue.get()
            await asyncio.sleep(max(0.0, started + n * seconds / count - time.monotonic()))
            for attempt in range(30):
                body = f"chaos sms {n}.{attempt}"
                load.sms_attempts += 1
                try:
                    async with http.post(
                        f"{bff_url}/api/v1/members/{member_id}/messages",
                        json={"body": body},
                        headers=headers[email],
                        timeout=timeout,
                    ) as response:
                        if response.status == 202:
                            load.accepted_sms[(await response.json())["id"]] = body
                            break
                        load.sms_refused[response.status] += 1
                except (aiohttp.ClientError, TimeoutError):
                    load.sms_refused[0] += 1
                await asyncio.sleep(0.5)
            else:
                load.sms_given_up += 1
            queue.task_done()

    for item in plan:
        queue.put_nowait(item)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        workers = [asyncio.create_task(worker(http)) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()


async def send_callbacks(
    load: Load,
    gateway_url: str,
    rows: list[tuple[str, str, str]],
    seconds: float,
    concurrency: int = 8,
) -> None:
    """A signed `delivered` callback per seeded `sent` message, retried until answered 2xx."""
    token = SecretStr(AUTH_TOKEN)
    queue: asyncio.Queue[tuple[int, tuple[str, str, str]]] = asyncio.Queue()
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=15)

    async def worker(http: aiohttp.ClientSession) -> None:
        while True:
            n, (message_id, sid, phone) = await queue.get()
            await asyncio.sleep(max(0.0, started + n * seconds / len(rows) - time.monotonic()))
            url = f"{gateway_url}/webhooks/twilio?message_id={message_id}"
            params = {
                "AccountSid": ACCOUNT_SID,
                "ApiVersion": "2010-04-01",
                "From": FROM_NUMBER,
                "MessageSid": sid,
                "MessageStatus": "delivered",
                "SmsSid": sid,
                "SmsStatus": "delivered",
                "To": phone,
            }
            headers = {"X-Twilio-Signature": compute_twilio_signature(token, url, params)}
            for _ in range(30):
                load.callback_attempts += 1
                try:
                    async with http.post(url, data=params, headers=headers, timeout=timeout) as r:
                        if 200 <= r.status < 300:
                            load.accepted_callbacks.append(message_id)
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.5)
            else:
                load.callbacks_given_up += 1
            queue.task_done()

    for item in enumerate(rows):
        queue.put_nowait(item)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        workers = [asyncio.create_task(worker(http)) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()


# ---- faults --------------------------------------------------------------------------------


@dataclass
class Faults:
    done: list[str] = field(default_factory=list)
    last_ended: float = 0.0

    def note(self, what: str) -> None:
        self.last_ended = time.monotonic()
        self.done.append(what)
        print(f"  fault done: {what}", flush=True)


async def timed_faults(
    services: Services,
    system: System,
    faults: Faults,
    broker: int,
    database: int,
    spacing: float,
) -> None:
    plan = ["broker"] * broker + ["database"] * database + ["worker"]
    random.Random(7).shuffle(plan)
    for kind in plan:
        await asyncio.sleep(spacing)
        if kind == "broker":
            await asyncio.to_thread(services.restart_broker, 2.0)
            faults.note(services.broker_fault)
        elif kind == "database":
            await asyncio.to_thread(services.restart_database, 3.0)
            faults.note(services.database_fault)
        else:
            victim = system.workers[0]
            assert victim.process is not None
            victim.process.kill()
            victim.process.wait()
            await asyncio.sleep(3)
            victim.log_path = victim.log_path.with_suffix(".restarted.log")
            victim.start()  # replaced, as ECS would
            faults.note("worker SIGKILLed mid-run, a new one started 3 s later")


async def kill_lease_holder(pool: Pool, system: System, faults: Faults, timeout: float) -> None:
    """SIGKILL the scheduler whose run is in progress (its lease held), then start another."""
    deadline = time.monotonic() + timeout
    pids = {str(s.process.pid): s for s in system.schedulers if s.process is not None}
    while time.monotonic() < deadline:
        try:
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute(
                    "SELECT job, scheduled_for, owner FROM job_runs WHERE status = 'running'"
                    " AND lease_expires_at > now() ORDER BY started_at LIMIT 1"
                )
                row = await cur.fetchone()
        except Exception:  # the database may be restarting right now
            row = None
        if row is not None:
            pid = str(row[2]).split(":")[1]
            holder = pids.get(pid)
            if holder is not None and holder.process is not None:
                holder.process.send_signal(signal.SIGKILL)
                holder.process.wait()
                system.killed.append(f"{row[0]} @ {row[1]:%H:%M}")
                holder.log_path = holder.log_path.with_suffix(".restarted.log")
                holder.start()
                faults.note(f"scheduler SIGKILLed while holding the lease of {row[0]}")
                return
        await asyncio.sleep(0.05)
    print("  (no scheduler was caught holding a lease)", flush=True)


# ---- verdict -------------------------------------------------------------------------------


async def outstanding(pool: Pool, load: Load) -> tuple[int, int]:
    """(accepted SMS not final, accepted callbacks not applied)."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT count(*) FROM sms_messages WHERE id = ANY(%s::uuid[])"
            " AND status NOT IN ('delivered', 'undelivered', 'failed')",
            (list(load.accepted_sms),),
        )
        sms = int((await cur.fetchone())[0])
        await cur.execute(
            "SELECT count(*) FROM sms_messages WHERE id = ANY(%s::uuid[])"
            " AND status <> 'delivered'",
            (load.accepted_callbacks,),
        )
        callbacks = int((await cur.fetchone())[0])
    return sms, callbacks


async def wait_final(pool: Pool, load: Load, faults: Faults, limit: float) -> float | None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if await outstanding(pool, load) == (0, 0):
                return max(0.0, time.monotonic() - faults.last_ended)
        except Exception as exc:  # keep polling through a late reconnect
            print(f"  (poll failed: {type(exc).__name__})", flush=True)
        await asyncio.sleep(0.5)
    return None


async def simulator_bodies(simulator_url: str) -> Counter[str]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(f"{simulator_url}/_admin/sms")
    return Counter(m["body"] for m in response.json()["messages"])


def report(
    load: Load,
    sent: Counter[str],
    stuck: tuple[int, int],
    final_after: float | None,
    jobs: list[JobVerdict],
    faults: Faults,
    messages: int,
    callbacks: int,
) -> dict[str, Any]:
    accepted_bodies = set(load.accepted_sms.values())
    lost = [b for b in accepted_bodies if sent[b] == 0]
    duplicated = [b for b in accepted_bodies if sent[b] > 1]
    unaccepted_sent = sum(
        1 for b, c in sent.items() if b.startswith("chaos sms") and b not in accepted_bodies
    )
    not_once = [j for j in jobs if j.runs != 1]
    not_once_text = [f"{j.job} @ {j.slot:%H:%M} x{j.runs}" for j in not_once]
    figures = {
        "sms_requested": messages,
        "sms_accepted": len(load.accepted_sms),
        "sms_attempts": load.sms_attempts,
        "sms_refused_by_status": dict(load.sms_refused),
        "sms_given_up": load.sms_given_up,
        "sms_lost": len(lost),
        "sms_duplicated": len(duplicated),
        "sms_sent_though_refused": unaccepted_sent,
        "sms_stuck": stuck[0],
        "callbacks_requested": callbacks,
        "callbacks_accepted": len(load.accepted_callbacks),
        "callback_attempts": load.callback_attempts,
        "callbacks_lost": stuck[1],
        "seconds_from_last_fault_to_all_final": (
            round(final_after, 1) if final_after is not None else None
        ),
        "faults": faults.done,
        "job_slots": len(jobs),
        "job_slots_not_exactly_once": not_once_text,
    }
    print()
    print(
        f"SMS:       accepted {len(load.accepted_sms)}/{messages}"
        f" (attempts {load.sms_attempts}, refused {dict(load.sms_refused)})"
    )
    print(
        f"           lost {len(lost)}, duplicated {len(duplicated)}, stuck {stuck[0]}"
        f" (sent though answered non-202: {unaccepted_sent})"
    )
    print(
        f"callbacks: accepted {len(load.accepted_callbacks)}/{callbacks}"
        f" (attempts {load.callback_attempts}), lost {stuck[1]}"
    )
    print(f"faults:    {len(faults.done)}: " + "; ".join(faults.done))
    shown = f"{final_after:.1f} s" if final_after is not None else "NOT within the wait"
    print(f"final:     every accepted message final {shown} after the last fault (goal <= 60 s)")
    verdict = "yes" if not not_once else "NO: " + ", ".join(not_once_text)
    taken_over = [
        f"{j.job} @ {j.slot:%H:%M} (attempt {j.attempts})" for j in jobs if j.attempts > 1
    ]
    figures["job_slots_taken_over"] = taken_over
    print(f"jobs:      {len(jobs)} (job, slot) pairs; each ran exactly once: {verdict}")
    print(f"           taken over after the lease holder was killed: {taken_over or 'none'}")
    return figures


# ---- orchestration -------------------------------------------------------------------------


async def run(args: argparse.Namespace, services: Services, logs: Path) -> dict[str, Any]:
    pool = await create_pool(
        services.database_url, max_size=4, statement_timeout_ms=0, application_name="bench-chaos"
    )
    system: System | None = None
    try:
        seeded = await seed(pool, args.advisors, args.members_each, args.callbacks)
        started_at = datetime.now(UTC)
        system = await asyncio.to_thread(start_system, services, logs, args.reconcile_after)
        await hold_first_reconciliation(system.simulator.url, seeded.held_message)
        headers = {email: await sign_in(system.bff.url, email) for email in seeded.advisors}
        print(
            f"system up on {services.kind}; {len(seeded.advisors)} advisors signed in", flush=True
        )
        load, faults = Load(), Faults()
        # Spread the faults over the load window (each takes its own down time too).
        busy = args.broker_restarts * 3.5 + args.db_restarts * 4.0 + 4.0
        spacing = max(
            1.0, (args.load_seconds - busy) / (args.broker_restarts + args.db_restarts + 1)
        )
        await asyncio.gather(
            send_sms(load, system.bff.url, headers, seeded, args.messages, args.load_seconds),
            send_callbacks(load, system.gateway.url, seeded.callback_rows, args.load_seconds),
            timed_faults(services, system, faults, args.broker_restarts, args.db_restarts, spacing),
            kill_lease_holder(pool, system, faults, timeout=args.load_seconds + 60),
        )
        print("load and faults done; waiting for every accepted message to be final", flush=True)
        final_after = await wait_final(pool, load, faults, args.settle_seconds)
        stuck = await outstanding(pool, load)
        # Judge the slots up to the first minute slot after the faults as well (+20 s to run);
        # job_verdicts also waits out a taken-over lease.
        now = datetime.now(UTC)
        await asyncio.sleep(80 - now.second - now.microsecond / 1e6)
        jobs, until = await job_verdicts(pool, started_at, settle=args.settle_seconds)
        print(f"  job slots judged: {started_at:%H:%M:%S} .. {until:%H:%M:%S} UTC", flush=True)
        sent = await simulator_bodies(system.simulator.url)
        return report(load, sent, stuck, final_after, jobs, faults, args.messages, args.callbacks)
    finally:
        if system is not None:
            for role in system.all():
                await asyncio.to_thread(role.stop)
        pool.close()
        await pool.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--callbacks", type=int, default=1000)
    parser.add_argument("--advisors", type=int, default=14)
    parser.add_argument("--members-each", type=int, default=40)
    parser.add_argument("--broker-restarts", type=int, default=10)
    parser.add_argument("--db-restarts", type=int, default=2)
    parser.add_argument("--load-seconds", type=float, default=150.0)
    parser.add_argument("--settle-seconds", type=float, default=240.0)
    parser.add_argument(
        "--reconcile-after",
        type=int,
        default=15,
        help="SMS_RECONCILE_AFTER_SECONDS of the roles (>= 15)",
    )
    parser.add_argument(
        "--shared-services",
        action="store_true",
        help="use the machine's Postgres/RabbitMQ (faults drop connections)",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="chaos-logs-"))
    services: Services = SharedServices() if args.shared_services else PrivateServices()
    try:
        figures = asyncio.run(run(args, services, logs))
        if args.json:
            print(json.dumps(figures))
    finally:
        services.close()
        if args.keep_logs:
            print(f"role logs kept in {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
