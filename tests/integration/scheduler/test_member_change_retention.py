"""Retention keeps a day of member changes (stream resumes) and 400 days of balances."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.retention import Retention
from shared.database import transaction
from shared.jobs import runs
from shared.jobs.clock import ManualClock
from shared.jobs.job import job
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler import builders
from tests.support.infra import unique_name


async def test_retention_deletes_old_member_changes_and_balance_history_only(
    pool, settings, replicas
):
    clock = ManualClock(datetime.now(UTC))
    now = clock.now()
    member = await builders.member(pool)
    item = await builders.linked_item(pool, member)
    account = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO accounts (id, linked_item_id, provider_account_id, name,"
            " current_balance) VALUES (%s, %s, %s, 'Checking', 10)",
            (str(account), str(item), f"acc-{account}"),
        )
        for age in (timedelta(days=2), timedelta(hours=1)):
            await cur.execute(
                "INSERT INTO member_changes (member_id, kind, data, created_at)"
                " VALUES (%s, 'note', '{}', %s)",
                (str(member), now - age),
            )
        for age in (timedelta(days=401), timedelta(days=30)):
            await cur.execute(
                "INSERT INTO account_balance_history (account_id, current_balance, recorded_at)"
                " VALUES (%s, 5, %s)",
                (str(account), now - age),
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
            "SELECT bool_and(created_at > %s), count(*) FROM member_changes WHERE member_id = %s",
            (now - timedelta(days=1), str(member)),
        )
        recent_only, kept = await cur.fetchone()
        assert recent_only and kept >= 2  # the recent note and the linked item's creation
        await cur.execute(
            "SELECT recorded_at > %s FROM account_balance_history WHERE account_id = %s",
            (now - timedelta(days=400), str(account)),
        )
        assert await cur.fetchall() == [(True,), (True,)]  # the insert's own row, and 30 days
    (run,) = await runs.history(pool, name)
    assert run.summary["member_changes_deleted"] >= 1
    assert run.summary["balance_history_deleted"] >= 1
