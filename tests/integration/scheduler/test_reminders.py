"""Appointment reminders: each sent once, only to opted-in members, only ever to the simulator."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from connectors.errors import SmsGateError
from connectors.sms import open_sms_client
from gateway.bookings.reminders import AppointmentReminders
from gateway.providers import sms_config
from shared.database import Pool, transaction
from shared.jobs import runs
from shared.jobs.job import job
from shared.jobs.schedule import CatchUp
from shared.settings import AppEnv
from tests.integration.scheduler import builders
from tests.support.infra import unique_name


def reminders_job(name: str):
    return job(
        name,
        AppointmentReminders(),
        cron="*/5 * * * *",
        timezone="UTC",
        catch_up=CatchUp.RUN_ONCE,
        description="reminders under test",
    )


async def _tick_all(*replicas) -> None:
    await asyncio.gather(*(replica.tick() for replica in replicas))
    await asyncio.gather(*(replica.idle() for replica in replicas))


async def _reminders(pool: Pool, appointment_ids: list[uuid.UUID]) -> list[tuple]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT id, appointment_id, purpose, status, body FROM sms_messages"
            " WHERE appointment_id = ANY(%s::uuid[])",
            ([str(a) for a in appointment_ids],),
        )
        return await cur.fetchall()


async def test_each_reminder_is_written_once_and_only_for_opted_in_members(pool, clock, replicas):
    now = clock.now()
    advisor = await builders.advisor(pool)
    opted_in = await builders.member(pool)
    opted_out = await builders.member(pool, opted_in=False)
    no_phone = await builders.member(pool, phone=None)
    terminated = await builders.member(pool, active=False)
    soon = await builders.appointment(pool, opted_in, advisor, now + timedelta(minutes=30))
    tomorrow = await builders.appointment(pool, opted_in, advisor, now + timedelta(hours=23))
    ignored = [
        await builders.appointment(pool, opted_out, advisor, now + timedelta(minutes=30)),
        await builders.appointment(pool, no_phone, advisor, now + timedelta(minutes=30)),
        await builders.appointment(pool, terminated, advisor, now + timedelta(minutes=30)),
        await builders.appointment(
            pool, opted_in, advisor, now + timedelta(minutes=40), cancelled=True
        ),
    ]
    name = unique_name("reminders")
    a = await replicas([reminders_job(name)], clock, "a")
    b = await replicas([reminders_job(name)], clock, "b")
    await asyncio.gather(a.register(), b.register())

    for _ in range(12):  # an hour of ticks on two replicas
        clock.advance(timedelta(minutes=5))
        await _tick_all(a, b)
    clock.advance(timedelta(hours=21, minutes=5))  # downtime, then catch-up: 1 h before
    await _tick_all(a, b)
    # A restarted replica and a manual run on top: nothing new.
    restarted = await replicas([reminders_job(name)], clock, "restarted")
    await runs.request_manual(pool, name, requested_by="test", now=clock.now())
    await _tick_all(restarted, a)
    clock.advance(timedelta(minutes=5))
    await _tick_all(restarted, a, b)

    rows = await _reminders(pool, [soon, tomorrow, *ignored])
    assert sorted((row[1], row[2]) for row in rows) == sorted(
        [(soon, "reminder_1h"), (tomorrow, "reminder_24h"), (tomorrow, "reminder_1h")]
    )
    assert {row[3] for row in rows} == {"requested"}
    assert all("Avery Advisor" in row[4] and "Sam" in row[4] for row in rows)
    events = await builders.outbox_events(pool, "sms.requested", f"job-{name}-")
    requested = Counter(json.loads(body)["data"]["message_id"] for body in events)
    assert requested == Counter({str(row[0]): 1 for row in rows})
    assert all(json.loads(body)["data"]["member_id"] == str(opted_in) for body in events)


async def test_outside_staging_and_production_the_sms_connector_refuses_a_real_provider(
    settings,
):
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json={})

    for env in (AppEnv.TEST, AppEnv.LOCAL):
        real = settings.model_copy(
            update={"app_env": env, "sms_base_url": "https://api.twilio.com"}
        )
        async with open_sms_client(
            sms_config(real), app_env=env, transport=httpx.MockTransport(record)
        ) as client:
            with pytest.raises(SmsGateError):
                await client.send("+15555550100", f"reminder {uuid.uuid4()}")
    assert sent == []
