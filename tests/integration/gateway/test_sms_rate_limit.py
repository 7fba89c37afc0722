"""A backlog of SMS drains at the sender's limit: no provider 429, nothing dead-lettered.

The simulator refuses (429, error 20429) any send beyond 5 a second from one sender;
the worker keeps to the same limit through the shared limiter, deferring what cannot get
a slot soon without using up the message's retries.
"""

import pytest

from shared.database import transaction
from shared.messaging import outbox
from shared.web.keys import BROKER
from tests.integration.gateway import builders
from tests.support.polling import eventually
from tests.support.simulator import running_simulator, simulator_config

LIMIT = 5


@pytest.fixture
async def simulator():
    async with running_simulator(
        simulator_config(seed=7, sms_sender_limit_per_second=LIMIT)
    ) as handle:
        yield handle


@pytest.fixture
def gateway_settings(gateway_settings):
    return gateway_settings.model_copy(update={"sms_sender_messages_per_second": LIMIT})


async def test_a_backlog_is_sent_at_the_senders_limit_without_a_provider_429(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    phone = builders.unique_phone()
    member_id, _ = await builders.member(pool, phone=phone)
    ids = [await builders.sms_message(pool, member_id, body=f"b{n}") for n in range(30)]
    async with transaction(pool) as cur:
        await outbox.add_many(cur, [builders.sms_requested(i, member_id) for i in ids])

    async def all_sent():
        sent = await gateway.simulator.admin.sent_sms(to=phone)
        assert len(sent) == 30

    await eventually(all_sent, timeout=60)
    sent = await gateway.simulator.admin.sent_sms(to=phone)
    arrivals = sorted(m["received_at"] for m in sent)
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= LIMIT
    assert await gateway.simulator.admin.throttled_sms() == 0
    channel = await gateway.worker.app[BROKER].channel()
    try:
        dead = await channel.queue_declare("gateway.sms.dlq", passive=True)
    finally:
        await channel.close()
    assert dead.message_count == 0
