"""A send stuck in `sending` is settled by asking the provider: adopted, or sent again."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from connectors.sms import open_sms_client
from gateway.providers import sms_config
from gateway.sms.reconciliation import SmsReconciliation
from shared.database import Pool, transaction
from shared.jobs.clock import ManualClock
from shared.jobs.job import job
from shared.jobs.schedule import CatchUp
from tests.integration.scheduler import builders
from tests.support.infra import unique_name
from tests.support.polling import eventually
from tests.support.simulator import running_simulator, simulator_config


@pytest.fixture
async def simulator():
    async with running_simulator(simulator_config(seed=random.randrange(1 << 30))) as handle:
        yield handle


@pytest.fixture
def sms_settings(settings, simulator):
    return settings.model_copy(
        update={
            "sms_base_url": simulator.url,
            "sms_reconcile_after_seconds": 60,
            "sms_status_reconcile_after_seconds": 60,
        }
    )


def _phone() -> str:
    return f"+1555{random.randrange(10**7):07d}"


def reconciliation_job(name: str, settings):
    reconcile = SmsReconciliation(
        settings, lambda: open_sms_client(sms_config(settings), app_env=settings.app_env)
    )
    return job(
        name,
        reconcile,
        cron="* * * * *",
        timezone="UTC",
        catch_up=CatchUp.RUN_ONCE,
        description="reconciliation under test",
    )


async def _sending(pool, member_id, body: str, since: datetime) -> uuid.UUID:
    message_id = uuid.uuid4()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO sms_messages (id, member_id, body, status, error_code, updated_at)"
            " VALUES (%s, %s, %s, 'sending', 'send_outcome_unknown', %s)",
            (str(message_id), str(member_id), body, since),
        )
    return message_id


async def _row(pool: Pool, message_id: uuid.UUID) -> tuple[str, str | None, str | None]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT status, provider_message_id, error_code FROM sms_messages WHERE id = %s",
            (str(message_id),),
        )
        row = await cur.fetchone()
    return row[0], row[1], row[2]


async def test_a_stuck_send_the_provider_has_is_adopted_and_one_it_lacks_is_sent_again(
    pool, replicas, sms_settings, simulator
):
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    name = unique_name("reconcile")
    replica = await replicas([reconciliation_job(name, sms_settings)], clock, "a")
    await replica.register()
    body = f"Your advisor wrote {uuid.uuid4().hex[:6]}"
    sent_phone, lost_phone = _phone(), _phone()
    sent_member = await builders.member(pool, phone=sent_phone)
    lost_member = await builders.member(pool, phone=lost_phone)
    since = clock.now() - timedelta(minutes=3)
    # The worker's request reached the provider, then the worker died before it recorded the sid.
    async with open_sms_client(sms_config(sms_settings), app_env=sms_settings.app_env) as client:
        await client.send(sent_phone, "an older, different text")
        sent = await client.send(sent_phone, body)
    adopted = await _sending(pool, sent_member, body, since)
    # This one's request never reached the provider.
    lost = await _sending(pool, lost_member, body, since)

    async def delivered_at_the_provider():
        listed = await simulator.admin.sent_sms(to=sent_phone)
        assert [m["status"] for m in listed] == ["delivered", "delivered"]

    await eventually(delivered_at_the_provider)

    clock.advance(timedelta(minutes=1))
    await replica.tick()
    await replica.idle()

    assert await _row(pool, adopted) == ("delivered", sent.sid, None)
    assert await _row(pool, lost) == ("requested", None, None)
    events = await builders.outbox_events(pool, "sms.requested", f"job-{name}-")
    resent = [json.loads(e)["data"]["message_id"] for e in events]
    # (Other tests' leftovers on this run's database may be resent too; ours are judged here.)
    assert resent.count(str(lost)) == 1 and str(adopted) not in resent
    # Reconciliation itself never texts anyone: the worker sends the released one.
    assert len(await simulator.admin.sent_sms(to=sent_phone)) == 2
    assert await simulator.admin.sent_sms(to=lost_phone) == []


async def test_a_send_too_recent_to_judge_is_left_alone(pool, replicas, sms_settings, simulator):
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    name = unique_name("reconcile_recent")
    replica = await replicas([reconciliation_job(name, sms_settings)], clock, "a")
    await replica.register()
    member = await builders.member(pool, phone=_phone())
    recent = await _sending(pool, member, "hello", clock.now() + timedelta(seconds=30))

    clock.advance(timedelta(minutes=1))
    await replica.tick()
    await replica.idle()

    assert await _row(pool, recent) == ("sending", None, "send_outcome_unknown")


async def test_a_send_the_provider_cannot_be_asked_about_waits_then_fails_after_30_minutes(
    pool, replicas, sms_settings, simulator
):
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    name = unique_name("reconcile_down")
    replica = await replicas([reconciliation_job(name, sms_settings)], clock, "a")
    await replica.register()
    await simulator.admin.set_faults({"prefix": "/2010-04-01", "method": "GET", "status": 400})
    member = await builders.member(pool, phone=_phone())
    waiting = await _sending(pool, member, "hello", clock.now() - timedelta(minutes=5))
    given_up = await _sending(pool, member, "hello", clock.now() - timedelta(minutes=40))

    clock.advance(timedelta(minutes=1))
    await replica.tick()
    await replica.idle()

    assert await _row(pool, waiting) == ("sending", None, "send_outcome_unknown")
    assert await _row(pool, given_up) == ("failed", None, "stuck_sending")


async def test_a_sent_message_whose_final_report_was_lost_takes_the_providers_status(
    pool, replicas, sms_settings, simulator
):
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    name = unique_name("reconcile_report")
    replica = await replicas([reconciliation_job(name, sms_settings)], clock, "a")
    await replica.register()
    phone = _phone()
    member = await builders.member(pool, phone=phone)
    async with open_sms_client(sms_config(sms_settings), app_env=sms_settings.app_env) as client:
        sent = await client.send(phone, "hello", status_callback_url="http://127.0.0.1:9/lost")
    since = clock.now() - timedelta(minutes=5)
    lost_report, unknown_sid = uuid.uuid4(), uuid.uuid4()
    async with transaction(pool) as cur:
        for message_id, sid in ((lost_report, sent.sid), (unknown_sid, "SMnotattheprovider")):
            await cur.execute(
                "INSERT INTO sms_messages (id, member_id, body, status, provider_message_id,"
                " updated_at) VALUES (%s, %s, 'hello', 'sent', %s, %s)",
                (str(message_id), str(member), sid, since),
            )

    async def delivered_at_the_provider():
        assert [m["status"] for m in await simulator.admin.sent_sms(to=phone)] == ["delivered"]

    await eventually(delivered_at_the_provider)
    clock.advance(timedelta(minutes=1))
    await replica.tick()
    await replica.idle()

    assert await _row(pool, lost_report) == ("delivered", sent.sid, None)
    assert await _row(pool, unknown_sid) == ("sent", "SMnotattheprovider", None)
