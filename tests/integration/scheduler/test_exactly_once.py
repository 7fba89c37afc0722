"""Two replicas, one clock: every (job, slot) runs once, even when the leader dies mid-run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from shared.jobs import runs
from shared.jobs.job import JobContext, job
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler.conftest import START
from tests.integration.scheduler.effects import (
    create_effects_table,
    effect_job,
    effects,
    outbox_count_per_run,
    runs_of,
)
from tests.support.infra import unique_name


@pytest.fixture(autouse=True)
async def _effects_table(pool):
    await create_effects_table(pool)


async def _tick_all(*replicas) -> None:
    await asyncio.gather(*(replica.tick() for replica in replicas))
    await asyncio.gather(*(replica.idle() for replica in replicas))


async def test_two_replicas_over_fifty_ticks_run_every_job_slot_exactly_once(pool, clock, replicas):
    minutely, five, skipping = unique_name("minutely"), unique_name("five"), unique_name("skip")
    jobs = [
        effect_job(minutely, "* * * * *"),
        effect_job(five, "*/5 * * * *"),
        effect_job(skipping, "*/3 * * * *", catch_up=CatchUp.SKIP),
    ]
    a = await replicas(jobs, clock, "replica-a")
    b = await replicas(jobs, clock, "replica-b")
    await asyncio.gather(a.register(), b.register())  # both start at 09:00:30

    for _ in range(50):
        clock.advance(timedelta(minutes=1))
        await _tick_all(a, b)

    end = clock.now()
    for name, step in ((minutely, 1), (five, 5), (skipping, 3)):
        expected = {
            slot
            for minute in range(1, 51)
            if (slot := (START + timedelta(minutes=minute)).replace(second=0)).minute % step == 0
            and slot <= end
        }
        assert set((await effects(pool, name)).elements()) == expected, name
        assert all(count == 1 for count in (await effects(pool, name)).values()), name
        rows = await runs_of(pool, name)
        assert [row[0] for row in rows] == sorted(expected)
        assert {row[1] for row in rows} == {"succeeded"}
        assert {row[2] for row in rows} == {1}
        per_run = await outbox_count_per_run(pool, name)
        assert len(per_run) == len(expected) and set(per_run.values()) == {1}
    owners = {row[3] for name in (minutely, five, skipping) for row in await runs_of(pool, name)}
    assert owners <= {"replica-a", "replica-b"}


async def test_a_leader_killed_mid_run_leaves_its_slot_to_another_replica_after_the_lease(
    pool, clock, replicas
):
    name = unique_name("killed")
    hold, entered = asyncio.Event(), asyncio.Event()
    lease = timedelta(minutes=2)
    leader = await replicas(
        [effect_job(name, "*/5 * * * *", hold=hold, entered=entered, lease=lease)], clock, "leader"
    )
    follower = await replicas([effect_job(name, "*/5 * * * *", lease=lease)], clock, "follower")
    await leader.register()
    clock.advance(timedelta(minutes=5))  # 09:05:30, slot 09:05 due

    assert len(await leader.tick()) == 1
    await asyncio.wait_for(entered.wait(), 5)  # inside its final transaction, effects written
    # The leader dies: its connections drop (Postgres rolls back), its tasks stop, no goodbye.
    leader.pool.terminate()
    await leader.stop(timeout=0)

    clock.advance(timedelta(seconds=30))
    assert await follower.tick() == []  # the lease still runs: nobody takes the slot yet
    clock.advance(lease)
    taken = await follower.tick()
    await follower.idle()

    assert [claim.attempt for claim in taken] == [2]
    slot = (START + timedelta(minutes=5)).replace(second=0)
    assert await effects(pool, name) == {slot: 1}
    assert [row[:4] for row in await runs_of(pool, name)] == [(slot, "succeeded", 2, "follower")]
    assert set((await outbox_count_per_run(pool, name)).values()) == {1}


async def test_a_slow_owner_whose_run_was_taken_over_commits_nothing(pool, clock, replicas):
    name = unique_name("slow")
    hold, entered = asyncio.Event(), asyncio.Event()
    slow = await replicas(
        [effect_job(name, "*/5 * * * *", hold=hold, entered=entered)], clock, "slow"
    )
    other = await replicas([effect_job(name, "*/5 * * * *")], clock, "other")
    await slow.register()
    clock.advance(timedelta(minutes=5))
    await slow.tick()
    await asyncio.wait_for(entered.wait(), 5)

    # The slow owner's transaction holds the run row: no takeover while it is committing.
    clock.advance(timedelta(minutes=10))
    assert await other.tick() == []
    hold.set()
    await slow.idle()

    slot = (START + timedelta(minutes=5)).replace(second=0)
    assert await effects(pool, name) == {slot: 1}
    rows = await runs_of(pool, name)
    assert rows[0][:4] == (slot, "succeeded", 1, "slow")


async def test_a_failing_run_is_kept_in_history_with_its_error_and_the_next_slot_runs(
    pool, clock, replicas
):
    name = unique_name("failing")
    calls = []

    async def flaky(ctx: JobContext) -> None:
        calls.append(ctx.scheduled_for)
        if len(calls) == 1:
            raise RuntimeError("provider said no")

    replica = await replicas(
        [
            job(
                name,
                flaky,
                cron="*/5 * * * *",
                timezone="UTC",
                catch_up=CatchUp.RUN_ONCE,
                description="t",
            )
        ],
        clock,
        "a",
    )
    await replica.register()
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        await replica.tick()
        await replica.idle()

    failed, succeeded = sorted(await runs.history(pool, name), key=lambda run: run.scheduled_for)
    assert (failed.status, failed.error) == ("failed", "RuntimeError: provider said no")
    assert failed.duration_ms is not None and failed.finished_at is not None
    assert succeeded.status == "succeeded"
