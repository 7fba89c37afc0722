"""The relay wakes on NOTIFY at once and, while LISTEN is open, polls only as a slow fallback."""

import asyncio
import time

from shared.database import transaction
from shared.messaging import outbox


async def _write_unannounced(pool, envelope) -> None:
    async with transaction(pool) as cur:
        # Triggers off for this transaction: the row is committed with no NOTIFY.
        await cur.execute("SET LOCAL session_replication_role = replica")
        await outbox.add(cur, envelope)


async def test_a_notified_row_goes_out_at_once_though_the_fallback_poll_is_long(harness, pool):
    await harness.runner()
    relay = await harness.relay(listening_poll_interval=60.0)
    await harness.emit([0])  # the first publish also opens the relay's channel
    await harness.wait_for_effects(1)

    started = time.monotonic()
    await harness.emit([1])
    await harness.wait_for_effects(2, timeout=5)
    assert time.monotonic() - started < 2.0

    # With LISTEN open the relay does not poll each `poll_interval` (0.5 s here).
    published = relay.published_total
    await _write_unannounced(pool, harness.envelope(2))
    await asyncio.sleep(2.0)
    assert await harness.effects() == (2, 2)
    assert relay.published_total == published


async def test_a_row_written_without_notify_is_published_by_the_fallback_poll(harness, pool):
    await harness.runner()
    await harness.relay(listening_poll_interval=2.0)
    await harness.emit([0])
    await harness.wait_for_effects(1)

    await _write_unannounced(pool, harness.envelope(1))
    started = time.monotonic()
    await harness.wait_for_effects(2, timeout=10)
    waited = time.monotonic() - started
    assert waited < 4.0


async def test_rows_committed_while_a_batch_is_out_are_published_without_the_poll(harness):
    """After a short batch the relay waits for a notification: rows committed meanwhile sent one."""
    await harness.runner()
    await harness.relay(listening_poll_interval=60.0)
    await harness.emit([0])
    await harness.wait_for_effects(1)

    async def writer(first: int) -> None:
        for n in range(first, first + 200, 4):  # one row per transaction, as requests write
            await harness.emit([n])

    started = time.monotonic()
    await asyncio.gather(*(writer(1 + offset) for offset in range(4)))
    await harness.wait_for_effects(201, timeout=10)
    assert time.monotonic() - started < 10.0
