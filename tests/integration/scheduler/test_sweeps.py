"""Stuck-work sweeps: stuck SMS, syncs and eligibility files are retried or failed with a reason."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from gateway.scheduler import sweep_stuck_work
from shared import switches
from shared.database import transaction
from shared.jobs.clock import ManualClock
from shared.jobs.job import job
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler import builders
from tests.support.infra import unique_name


def sweep_job(name: str):
    return job(
        name,
        sweep_stuck_work,
        cron="*/5 * * * *",
        timezone="UTC",
        catch_up=CatchUp.RUN_ONCE,
        description="sweep under test",
    )


async def _sms(pool, member_id, status: str, updated_at: datetime) -> uuid.UUID:
    message_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO sms_messages (id, member_id, body, status, updated_at)"
            " VALUES (%s, %s, 'hello', %s, %s)",
            (str(message_id), str(member_id), status, updated_at),
        )
    return message_id


async def _eligibility_file(pool, updated_at: datetime) -> uuid.UUID:
    employer_id, file_id = uuid.uuid4(), uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO employers (id, name) VALUES (%s, %s)", (str(employer_id), str(employer_id))
        )
        await cur.execute(
            "INSERT INTO eligibility_files (id, employer_id, bucket, object_key, status,"
            " updated_at)"
            " VALUES (%s, %s, 'bucket', %s, 'processing', %s)",
            (str(file_id), str(employer_id), f"rosters/{file_id}.csv", updated_at),
        )
    return file_id


async def _one(pool, sql: str, *params):
    async with transaction(pool) as cur:
        await cur.execute(sql, params)
        return await cur.fetchone()


async def _runs(pool, name: str) -> list[tuple]:
    """The job's run history, to say in a failure which slots ran and with what figures."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT scheduled_for, status, attempt, summary FROM job_runs WHERE job = %s"
            " ORDER BY id",
            (name,),
        )
        return list(await cur.fetchall())


def _ids(bodies: list[str], field: str) -> list[str]:
    return [json.loads(body)["data"][field] for body in bodies]


async def _run(replica, clock, minutes: int) -> None:
    clock.advance(timedelta(minutes=minutes))
    await replica.tick()
    await replica.idle()


async def test_stuck_work_is_retried_a_few_times_then_failed_with_a_reason(pool, replicas):
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(seconds=30)
    clock = ManualClock(start)
    name = unique_name("sweep")
    replica = await replicas([sweep_job(name)], clock, "a")
    await replica.register()
    run_at = clock.now() + timedelta(minutes=5)
    member = await builders.member(pool)
    stuck_requested = await _sms(pool, member, "requested", run_at - timedelta(minutes=20))
    fresh_requested = await _sms(pool, member, "requested", run_at - timedelta(minutes=5))
    stuck_sending = await _sms(pool, member, "sending", run_at - timedelta(minutes=40))
    stuck_sync = await builders.linked_item(
        pool, member, sync_status="syncing", sync_started_at=run_at - timedelta(minutes=40)
    )
    stuck_file = await _eligibility_file(pool, run_at - timedelta(minutes=40))

    await _run(replica, clock, 5)

    prefix = f"job-{name}-"
    assert _ids(await builders.outbox_events(pool, "sms.requested", prefix), "message_id") == [
        str(stuck_requested)
    ]
    assert _ids(
        await builders.outbox_events(pool, "eligibility.file_received", prefix), "file_id"
    ) == [str(stuck_file)]
    assert await _one(  # reconciliation's (it asks the provider), never failed blindly here
        pool, "SELECT status, error_code FROM sms_messages WHERE id = %s", str(stuck_sending)
    ) == ("sending", None)
    assert await _one(
        pool, "SELECT status FROM sms_messages WHERE id = %s", str(fresh_requested)
    ) == ("requested",)
    assert await _one(
        pool, "SELECT sync_status, error_code FROM linked_items WHERE id = %s", str(stuck_sync)
    ) == ("failed", "sync_timed_out")

    await _run(replica, clock, 5)  # too soon after the retry: nothing more
    retried = _ids(await builders.outbox_events(pool, "sms.requested", prefix), "message_id")
    assert retried == [str(stuck_requested)], (
        {"stuck": str(stuck_requested), "fresh": str(fresh_requested)},
        await _runs(pool, name),
    )
    for _ in range(3):  # each retry waits out the threshold again; the 4th time it gives up
        await _run(replica, clock, 31)

    assert (
        _ids(await builders.outbox_events(pool, "sms.requested", prefix), "message_id").count(
            str(stuck_requested)
        )
        == 3
    )
    assert await _one(
        pool, "SELECT status, error_code FROM sms_messages WHERE id = %s", str(stuck_requested)
    ) == ("failed", "stuck_requested")
    status, error = await _one(
        pool, "SELECT status, error FROM eligibility_files WHERE id = %s", str(stuck_file)
    )
    assert status == "failed" and "gave up" in error


async def test_sms_waiting_behind_the_dispatch_switch_is_left_alone(pool, replicas):
    clock = ManualClock(datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(seconds=30))
    name = unique_name("sweep_paused")
    replica = await replicas([sweep_job(name)], clock, "a")
    await replica.register()
    member = await builders.member(pool)
    waiting = await _sms(pool, member, "requested", clock.now() - timedelta(hours=2))
    async with transaction(pool) as cur:
        await switches.set_switch(cur, "sms.dispatch", enabled=False, updated_by="test")
    try:
        await _run(replica, clock, 5)
    finally:
        async with transaction(pool) as cur:
            await switches.set_switch(cur, "sms.dispatch", enabled=True, updated_by="test")

    assert await _one(pool, "SELECT status FROM sms_messages WHERE id = %s", str(waiting)) == (
        "requested",
    )
    assert await builders.outbox_events(pool, "sms.requested", f"job-{name}-") == []
