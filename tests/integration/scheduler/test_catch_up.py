"""After downtime each job follows its declared catch-up policy: run once, or skip."""

from __future__ import annotations

from datetime import timedelta

from shared.jobs import runs
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler.conftest import START
from tests.integration.scheduler.effects import create_effects_table, effect_job, effects, runs_of
from tests.support.infra import unique_name

SLOT_0 = START.replace(second=0)


async def test_a_run_once_job_runs_once_for_all_slots_missed_in_downtime(pool, clock, replicas):
    await create_effects_table(pool)
    name = unique_name("run_once")
    replica = await replicas([effect_job(name, "*/10 * * * *")], clock, "a")
    await replica.register()

    clock.advance(timedelta(hours=3, minutes=5))  # 12:05:30: 18 slots passed while down
    await replica.tick()
    await replica.idle()
    clock.advance(timedelta(minutes=5))  # 12:10:30: back on schedule
    await replica.tick()
    await replica.idle()

    latest_missed = SLOT_0 + timedelta(hours=3)
    assert await effects(pool, name) == {latest_missed: 1, latest_missed + timedelta(minutes=10): 1}
    rows = await runs_of(pool, name)
    assert [(row[0], row[1], row[4]) for row in rows] == [
        (latest_missed, "succeeded", 17),
        (latest_missed + timedelta(minutes=10), "succeeded", 0),
    ]


async def test_a_skip_job_records_missed_slots_as_skipped_and_runs_the_next_on_time(
    pool, clock, replicas
):
    await create_effects_table(pool)
    name = unique_name("skip")
    replica = await replicas(
        [effect_job(name, "*/10 * * * *", catch_up=CatchUp.SKIP, grace=timedelta(minutes=2))],
        clock,
        "a",
    )
    await replica.register()

    clock.advance(timedelta(hours=3, minutes=5))  # 12:05:30: the 12:00 slot is 5 min late
    assert await replica.tick() == []
    clock.advance(timedelta(minutes=5))  # 12:10:30: on time
    await replica.tick()
    await replica.idle()

    on_time = SLOT_0 + timedelta(hours=3, minutes=10)
    assert await effects(pool, name) == {on_time: 1}
    rows = await runs_of(pool, name)
    assert [(row[0], row[1], row[4]) for row in rows] == [
        (on_time - timedelta(minutes=10), "skipped", 18),
        (on_time, "succeeded", 0),
    ]
    (record,) = await runs.list_jobs(pool, [name])
    assert record.last_run is not None and record.last_run.status == "succeeded"


async def test_a_skip_job_still_runs_a_slot_within_its_grace_after_downtime(pool, clock, replicas):
    await create_effects_table(pool)
    name = unique_name("skip_grace")
    replica = await replicas(
        [effect_job(name, "*/10 * * * *", catch_up=CatchUp.SKIP, grace=timedelta(minutes=2))],
        clock,
        "a",
    )
    await replica.register()

    clock.advance(timedelta(hours=2, minutes=30))  # 11:30:30: the 11:30 slot is 30 s late
    await replica.tick()
    await replica.idle()

    slot = SLOT_0 + timedelta(hours=2, minutes=30)
    assert await effects(pool, name) == {slot: 1}
    assert [(row[0], row[1], row[4]) for row in await runs_of(pool, name)] == [
        (slot, "succeeded", 14)
    ]
