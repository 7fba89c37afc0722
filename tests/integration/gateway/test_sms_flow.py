"""SMS end to end: sms.requested -> worker -> simulator -> signed callbacks -> delivered."""

import asyncio
import os
import sys

from gateway.worker import RUNNER
from shared.database import transaction
from shared.messaging import outbox
from shared.web.keys import BROKER
from tests.integration.gateway import builders
from tests.support.polling import eventually
from tests.support.processes import ROOT


async def wait_status(pool, message_id, expected, timeout=15.0) -> None:
    async def reached():
        assert (await builders.message_row(pool, message_id))[0] == expected

    await eventually(reached, timeout=timeout)


async def test_a_requested_sms_is_sent_once_and_ends_delivered(gateway_with_worker, pool):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)

    message_id = await builders.sms_message(pool, member_id, emit=True)

    await wait_status(pool, message_id, "delivered")
    sent = await gateway.simulator.admin.sent_sms(to=phone)
    assert len(sent) == 1
    _, provider_id, error = await builders.message_row(pool, message_id)
    assert provider_id == sent[0]["sid"]
    assert error is None
    callbacks = [
        d for d in await gateway.simulator.admin.webhooks("twilio") if str(message_id) in d["url"]
    ]
    assert [d["status"] for d in callbacks] == [200, 200]


async def test_a_redelivered_or_repeated_request_never_sends_twice(gateway_with_worker, pool):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    message_id = await builders.sms_message(pool, member_id)
    same = builders.sms_requested(message_id, member_id)
    repeated = builders.sms_requested(message_id, member_id)  # another envelope, same message

    async with transaction(pool) as cur:
        await outbox.add_many(cur, [same, repeated])
    async with transaction(pool) as cur:  # the relay publishes the first envelope again
        await cur.execute(
            "INSERT INTO outbox (message_id, event_type, correlation_id, body)"
            " SELECT gen_random_uuid(), event_type, correlation_id, body FROM outbox"
            " WHERE message_id = %s",
            (str(same.id),),
        )

    await wait_status(pool, message_id, "delivered")

    async def all_handled():
        pending = await builders.scalar(
            pool,
            "SELECT count(*) FROM outbox WHERE body LIKE %s AND published_at IS NULL",
            f"%{message_id}%",
        )
        assert pending == 0

    await eventually(all_handled)
    assert len(await gateway.simulator.admin.sent_sms(to=phone)) == 1


async def test_an_ambiguous_provider_failure_is_not_retried(gateway_with_worker, pool):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    await gateway.simulator.admin.set_faults({"prefix": "/2010-04-01", "status": 500, "times": 5})

    message_id = await builders.sms_message(pool, member_id, emit=True)

    async def outcome_unknown():
        assert await builders.message_row(pool, message_id) == (
            "sending",
            None,
            "send_outcome_unknown",
        )

    await eventually(outcome_unknown)
    rules = await gateway.simulator.admin.faults()
    assert rules[0]["matched"] == 1, "a send that may have happened is never repeated"


async def test_an_accepted_send_whose_answer_is_unreadable_is_an_unknown_outcome(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    await gateway.simulator.admin.set_faults({"prefix": "/2010-04-01", "garble": True, "times": 1})

    message_id = await builders.sms_message(pool, member_id, emit=True)

    async def settled_by_its_callbacks():
        status, _, _ = await builders.message_row(pool, message_id)
        assert status == "delivered", "the provider sent it: never marked failed"

    await eventually(settled_by_its_callbacks)
    assert len(await gateway.simulator.admin.sent_sms(to=phone)) == 1


async def test_a_member_without_opt_in_is_not_texted(gateway_with_worker, pool):
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone, sms_opt_in=False)

    message_id = await builders.sms_message(pool, member_id, emit=True)

    await wait_status(pool, message_id, "failed")
    assert (await builders.message_row(pool, message_id))[2] == "not_opted_in"
    assert await gateway_with_worker.simulator.admin.sent_sms(to=phone) == []


async def switch(gateway, state: str) -> None:
    """`python -m shared.ops switch set sms.dispatch <state>`, as an operator runs it."""
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": gateway.settings.database_url.get_secret_value(),
        "AMQP_URL": gateway.settings.amqp_url.get_secret_value(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.ops",
        "switch",
        "set",
        "sms.dispatch",
        state,
        "--by",
        "tests",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()


async def test_sms_dispatch_off_holds_200_messages_and_on_sends_each_once(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    await switch(gateway, "off")
    try:

        async def paused():
            assert "gateway.sms" not in gateway.worker.app[RUNNER].consuming

        await eventually(paused)
        ids = [await builders.sms_message(pool, member_id, body=f"n{n}") for n in range(200)]
        async with transaction(pool) as cur:
            await outbox.add_many(cur, [builders.sms_requested(i, member_id) for i in ids])

        async def published():
            pending = await builders.scalar(
                pool, "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            )
            assert pending == 0

        await eventually(published)

        async def waiting_in_queue():
            channel = await gateway.worker.app[BROKER].channel()
            try:
                ok = await channel.queue_declare("gateway.sms", passive=True)
            finally:
                await channel.close()
            assert ok.message_count == 200

        await eventually(waiting_in_queue)
        assert await gateway.simulator.admin.sent_sms(to=phone) == []
        statuses = await builders.scalar(
            pool,
            "SELECT array_agg(DISTINCT status) FROM sms_messages WHERE member_id = %s",
            str(member_id),
        )
        assert statuses == ["requested"]
    finally:
        await switch(gateway, "on")

    async def all_sent_once():
        sent = await gateway.simulator.admin.sent_sms(to=phone)
        assert sorted(m["body"] for m in sent) == sorted(f"n{n}" for n in range(200))

    await eventually(all_sent_once, timeout=60)
