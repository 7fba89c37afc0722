"""Batch handlers: every new message of a class in a delivered batch goes to one handler call."""

import aiormq
import pytest

from shared.messaging import dead_letters
from shared.messaging.consumer import Consumer
from tests.support.messaging import Bump, EffectHarness
from tests.support.polling import eventually


async def _ten_in_one_batch(harness: EffectHarness) -> aiormq.abc.AbstractConnection:
    runner = await harness.runner(prefetch=20, batch_size=10, batched=True)
    return await harness.publish_paused(runner, [harness.envelope(n) for n in range(10)])


async def test_ready_messages_reach_the_batch_handler_together(harness):
    runner = await harness.runner(prefetch=64, batch_size=64, batched=True)
    envelopes = [harness.envelope(n) for n in range(40)]
    connection = await harness.publish_paused(runner, envelopes)
    try:
        await harness.wait_for_effects(40)
    finally:
        await connection.close()

    assert sorted(n for call in harness.batch_calls for n in call) == list(range(40))
    assert [n for call in harness.batch_calls for n in call] == list(range(40))  # in order
    assert len(harness.batch_calls) < 40
    assert max(len(call) for call in harness.batch_calls) > 1
    assert runner.handled_total == 40


async def test_a_single_message_is_a_batch_of_one(harness):
    await harness.runner(batch_size=1, batched=True)
    await harness.relay()
    await harness.emit(range(3))

    await harness.wait_for_effects(3)
    assert sorted(harness.batch_calls) == [[0], [1], [2]]


async def test_a_failing_batch_isolates_the_bad_message(harness):
    harness.permanently_failing.add(3)
    connection = await _ten_in_one_batch(harness)
    try:
        await harness.wait_for_effects(9)
        channel = await connection.channel()

        async def dead_lettered():
            assert await dead_letters.depth(channel, harness.queue.dead_letter_queue) == 1

        await eventually(dead_lettered, timeout=10)
        letters = await dead_letters.show(channel, harness.queue.dead_letter_queue)
    finally:
        await connection.close()

    assert await harness.effects() == (9, 9)
    assert [dead_letters.body_json(letter)["data"]["n"] for letter in letters] == [3]
    assert [3] in harness.batch_calls  # the bad one was tried alone after its batch failed
    assert any(len(call) > 1 and 3 in call for call in harness.batch_calls)


async def test_a_transient_failure_in_a_batch_retries_only_that_message(harness):
    harness.failing.add(5)
    connection = await _ten_in_one_batch(harness)
    try:
        await harness.wait_for_effects(9)
        harness.failing.clear()  # the retry tier brings it back; now it works
        await harness.wait_for_effects(10)
    finally:
        await connection.close()
    assert await harness.effects() == (10, 10)


def test_a_class_cannot_have_both_a_handler_and_a_batch_handler(harness):
    with pytest.raises(ValueError, match="Bump"):
        Consumer(
            harness.queue,
            {Bump: harness.handle},
            batch_handlers={Bump: harness.handle_batch},
        )
