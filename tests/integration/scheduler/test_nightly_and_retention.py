"""Nightly balance refresh spread over the window, once per login; retention deletes old rows."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from gateway.accounts import nightly_sync
from gateway.accounts.nightly_sync import nightly_balance_refresh
from gateway.retention import Retention
from shared.database import transaction
from shared.jobs import runs
from shared.jobs.clock import ManualClock
from shared.jobs.job import Job, job
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler import builders
from tests.support.infra import unique_name


async def _tick_all(*replicas) -> None:
    await asyncio.gather(*(replica.tick() for replica in replicas))
    await asyncio.gather(*(replica.idle() for replica in replicas))


async def test_every_active_login_is_refreshed_once_a_night_in_even_chunks(pool, replicas):
    clock = ManualClock(datetime(2031, 3, 5, 5, 55, tzinfo=UTC))  # 00:55 in New York
    member = await builders.member(pool)
    items = [
        await builders.linked_item(
            pool, member, last_synced_at=clock.now() - timedelta(hours=20 + n)
        )
        for n in range(30)
    ]
    disconnected = await builders.linked_item(pool, member, status="needs_relink")
    name = unique_name("nightly")

    def nightly() -> Job:
        return job(
            name,
            nightly_balance_refresh,
            cron=nightly_sync.CRON,
            timezone=nightly_sync.TIME_ZONE,
            catch_up=CatchUp.SKIP,
            grace=timedelta(minutes=15),
            description="nightly under test",
        )

    a, b = await replicas([nightly()], clock, "a"), await replicas([nightly()], clock, "b")
    await asyncio.gather(a.register(), b.register())
    for _ in range(26):  # 01:05 ... 05:05 New York time
        clock.advance(timedelta(minutes=10))
        await _tick_all(a, b)

    events = await builders.outbox_events(pool, "accounts.sync_requested", f"job-{name}-")
    requested = Counter(json.loads(body)["data"]["linked_item_id"] for body in events)
    assert {str(item): requested[str(item)] for item in items} == {str(i): 1 for i in items}
    assert requested[str(disconnected)] == 0
    assert {json.loads(body)["data"]["reason"] for body in events} == {"nightly"}
    history = await runs.history(pool, name, limit=100)
    assert len(history) == nightly_sync.SLOTS_PER_NIGHT
    assert {run.status for run in history} == {"succeeded"}
    chunks = [run.summary["requested"] for run in history]
    assert max(chunks) - min(chunks) <= 1 and sum(chunks) >= len(items)
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT DISTINCT sync_status FROM linked_items WHERE id = ANY(%s::uuid[])",
            ([str(item) for item in items],),
        )
        assert await cur.fetchall() == [("syncing",)]


async def test_retention_deletes_old_events_sessions_and_failed_sign_ins_only(
    pool, settings, replicas
):
    clock = ManualClock(datetime.now(UTC))
    now = clock.now()
    keys = {"old": str(uuid.uuid4()), "recent": str(uuid.uuid4())}
    user_id = await builders.advisor(pool)
    sessions = {name: uuid.uuid4().bytes for name in ("revoked", "idle", "live")}
    failures = {"old": f"acct-{uuid.uuid4().hex}", "recent": f"acct-{uuid.uuid4().hex}"}
    async with transaction(pool) as cur:
        for label, age in (("old", timedelta(days=2)), ("recent", timedelta(hours=1))):
            await cur.execute(
                "INSERT INTO login_failures (account_key, client_ip, occurred_at)"
                " VALUES (%s, '203.0.113.7', %s)",
                (failures[label], now - age),
            )
            await cur.execute(
                "INSERT INTO signup_attempts (client_ip, occurred_at) VALUES (%s, %s)",
                (failures[label], now - age),
            )
        for label, age in (("old", timedelta(days=31)), ("recent", timedelta(days=1))):
            await cur.execute(
                "INSERT INTO webhook_events (provider, event_key, payload, received_at)"
                " VALUES ('test', %s, '{}', %s)",
                (keys[label], now - age),
            )
        for label, (revoked, seen) in {
            "revoked": (now - timedelta(days=2), now - timedelta(days=2)),
            "idle": (None, now - timedelta(days=2)),
            "live": (None, now - timedelta(minutes=1)),
        }.items():
            await cur.execute(
                "INSERT INTO user_sessions (token_hash, user_id, csrf_token, created_at,"
                " last_seen_at, revoked_at) VALUES (%s, %s, 'csrf', %s, %s, %s)",
                (sessions[label], str(user_id), seen, seen, revoked),
            )
    name = unique_name("retention")
    replica = await replicas(
        [
            job(
                name,
                Retention(settings),
                cron="30 3 * * *",
                timezone="UTC",
                catch_up=CatchUp.RUN_ONCE,
                description="retention under test",
            )
        ],
        clock,
        "a",
    )
    await replica.register()
    await runs.request_manual(pool, name, requested_by="test", now=clock.now())
    await replica.tick()
    await replica.idle()

    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT event_key FROM webhook_events WHERE event_key = ANY(%s)", (list(keys.values()),)
        )
        assert await cur.fetchall() == [(keys["recent"],)]
        await cur.execute(
            "SELECT token_hash FROM user_sessions WHERE user_id = %s", (str(user_id),)
        )
        assert [bytes(row[0]) for row in await cur.fetchall()] == [sessions["live"]]
        await cur.execute(
            "SELECT account_key FROM login_failures WHERE account_key = ANY(%s)",
            (list(failures.values()),),
        )
        assert await cur.fetchall() == [(failures["recent"],)]
        await cur.execute(
            "SELECT client_ip FROM signup_attempts WHERE client_ip = ANY(%s)",
            (list(failures.values()),),
        )
        assert await cur.fetchall() == [(failures["recent"],)]
    (run,) = await runs.history(pool, name)
    assert run.status == "succeeded"
    assert run.summary["webhook_events_deleted"] >= 1 and run.summary["sessions_deleted"] >= 2
    assert run.summary["login_failures_deleted"] >= 1
    assert run.summary["signup_attempts_deleted"] >= 1
