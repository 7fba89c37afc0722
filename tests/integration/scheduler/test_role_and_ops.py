"""The scheduler role's health shows each job's last run; ops list and trigger jobs."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import pytest

from gateway import scheduler
from shared.jobs import runs
from shared.ops import jobs_commands
from tests.integration.scheduler.effects import create_effects_table, effect_job, effects
from tests.support.infra import unique_name
from tests.support.polling import eventually


async def test_health_lists_the_jobs_and_a_manual_run_requested_by_ops_runs_once(
    aiohttp_client, settings, pool, capsys
):
    await create_effects_table(pool)
    name = unique_name("manual")
    app = scheduler.create_app(settings, jobs=[effect_job(name, "0 0 1 1 *")], tick_seconds=0.05)
    client = await aiohttp_client(app)

    async def registered() -> None:
        assert await runs.list_jobs(pool, [name])

    await eventually(registered)
    code = await jobs_commands.jobs_run(
        settings, argparse.Namespace(name=name, by="tester", wait=10.0)
    )

    assert code == 0
    finished = json.loads(capsys.readouterr().out)
    assert finished["status"] == "succeeded" and finished["trigger"] == "manual"
    assert sum((await effects(pool, name)).values()) == 1
    response = await client.get("/")
    body = await response.json()
    assert response.status == 200
    job = body["checks"]["jobs"]["jobs"][name]
    assert job["cron"] == "0 0 1 1 *" and job["catch_up"] == "run_once"
    assert job["last_run"]["status"] == "succeeded"
    assert job["last_run"]["id"] == finished["id"]

    assert await jobs_commands.jobs_list(settings, argparse.Namespace()) == 0
    listed = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed[name]["last_run"]["status"] == "succeeded"
    assert datetime.fromisoformat(listed[name]["next_slot"]) > datetime.now(UTC)


async def test_ops_cannot_trigger_an_unknown_job_or_a_second_pending_manual_run(
    settings, pool, capsys
):
    unknown = await jobs_commands.jobs_run(
        settings, argparse.Namespace(name=unique_name("nope"), by="tester", wait=0.0)
    )
    assert unknown == jobs_commands.EXIT_UNKNOWN

    name = unique_name("pending")
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("BEGIN")
        await runs.register(cur, effect_job(name, "0 0 1 1 *").spec, now=datetime.now(UTC))
        await cur.execute("COMMIT")
    first = await runs.request_manual(pool, name, requested_by="ops:a", now=datetime.now(UTC))
    with pytest.raises(runs.AlreadyPending) as pending:
        await runs.request_manual(pool, name, requested_by="ops:b", now=datetime.now(UTC))
    assert pending.value.run_id == first
