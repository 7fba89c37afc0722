import asyncio

import pytest

from shared.database import transaction
from shared.messaging import dead_letters, outbox
from tests.support.polling import eventually


async def test_a_rolled_back_transaction_publishes_nothing(harness, pool):
    await harness.runner()
    relay = await harness.relay()
    envelope = harness.envelope(1)

    with pytest.raises(RuntimeError):
        async with transaction(pool) as cur:
            await outbox.add(cur, envelope)
            raise RuntimeError("the state change failed")

    await harness.emit([2])  # a committed one, to know the pipeline is flowing
    await harness.wait_for_effects(1)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT count(*) FROM outbox WHERE message_id = %s", (str(envelope.id),))
        assert (await cur.fetchone())[0] == 0
    assert await harness.effects() == (1, 1)
    assert relay.published_total >= 1


async def test_two_relays_and_three_consumers_apply_5000_events_exactly_once(harness):
    for _ in range(3):
        await harness.runner()
    relays = [await harness.relay(), await harness.relay()]

    await harness.emit(range(5000))

    await harness.wait_for_effects(5000)
    await asyncio.sleep(0.5)  # give any double delivery the chance to show up
    assert await harness.effects() == (5000, 5000)
    assert sum(relay.published_total for relay in relays) >= 5000


async def test_an_event_is_published_with_its_correlation_id_and_handled_once(harness, pool):
    await harness.runner()
    await harness.relay()
    async with transaction(pool) as cur:
        await outbox.add(cur, harness.envelope(7, correlation_id="corr-from-request"))

    await harness.wait_for_effects(1)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT correlation_id FROM test_effects WHERE queue = %s", (harness.queue.name,)
        )
        assert await cur.fetchall() == [("corr-from-request",)]
        await cur.execute(
            "SELECT count(*) FROM outbox WHERE correlation_id = 'corr-from-request'"
            " AND published_at IS NOT NULL"
        )
        assert (await cur.fetchone())[0] == 1


async def test_stopping_a_consumer_finishes_what_it_holds_and_leaves_the_rest_queued(harness):
    harness.handler_delay = 0.4
    runner = await harness.runner(prefetch=2)
    await harness.relay()
    await harness.emit(range(6))

    async def two_in_hand():
        assert len(harness.started) >= 2

    await eventually(two_in_hand, timeout=10)
    await runner.stop(timeout=5)

    rows, distinct = await harness.effects()
    assert rows == distinct == len(harness.started) >= 2  # every started handler committed
    assert rows < 6

    harness.handler_delay = 0
    await harness.runner()
    await harness.wait_for_effects(6)
    assert await harness.effects() == (6, 6)


async def test_batched_consumers_apply_5000_events_exactly_once(harness):
    for _ in range(2):
        await harness.runner(prefetch=100, batch_size=50)
    await harness.relay()

    await harness.emit(range(5000))

    await harness.wait_for_effects(5000)
    await asyncio.sleep(0.5)
    assert await harness.effects() == (5000, 5000)


async def test_a_failing_message_in_a_batch_does_not_hold_back_the_others(harness, run_amqp_url):
    harness.permanently_failing.add(3)
    await harness.runner(prefetch=20, batch_size=10)
    await harness.relay()

    await harness.emit(range(10))

    await harness.wait_for_effects(9)
    assert await harness.effects() == (9, 9)


@pytest.mark.parametrize("batched", [False, True], ids=["handler", "batch-handler"])
async def test_duplicates_in_a_batch_are_skipped_and_acked(harness, pool, batched):
    runner = await harness.runner(prefetch=20, batch_size=10, batched=batched)
    twice, once, seen = harness.envelope(1), harness.envelope(2), harness.envelope(3)
    async with transaction(pool) as cur:  # `seen` was handled before: its inbox row exists
        await cur.execute(
            "INSERT INTO inbox (consumer, message_id) VALUES (%s, %s)",
            (harness.queue.name, str(seen.id)),
        )
    # All four are ready together: one batch.
    connection = await harness.publish_paused(runner, [twice, once, twice, seen])
    try:
        await harness.wait_for_effects(2)
        await runner.stop(timeout=5)  # anything left unacked would be ready again now
        assert await harness.effects() == (2, 2)
        assert sorted(harness.finished) == [1, 2]  # duplicates never reach a handler
        channel = await connection.channel()
        declared = await channel.queue_declare(harness.queue.name, passive=True)
        assert declared.message_count == 0
        assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 0
    finally:
        await connection.close()
