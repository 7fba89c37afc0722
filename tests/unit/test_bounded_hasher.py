"""The bounded password hasher: one thread, a short queue, refusals past it (no I/O)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from shared.identity.passwords import BoundedHasher, HashingBusy
from tests.support.polling import eventually


@pytest.fixture
def hasher():
    hasher = BoundedHasher(max_waiting=3)
    yield hasher
    hasher.close()


async def test_past_the_queue_a_hash_is_refused_at_once(hasher):
    results = await asyncio.gather(
        *(hasher.hash(f"Password-{n}!") for n in range(10)), return_exceptions=True
    )

    hashed = [result for result in results if isinstance(result, str)]
    refused = [result for result in results if isinstance(result, HashingBusy)]
    assert len(hashed) == 4  # the running one and the three waiting behind it
    assert len(refused) == 6
    assert all(value.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for value in hashed)
    assert hasher.unfinished == 0
    assert await hasher.verify(hashed[0], "Password-0!")


async def test_every_hash_runs_on_the_one_hashing_thread(hasher):
    names: set[str] = set()
    original = threading.current_thread().name

    async def one(n: int) -> None:
        await hasher.verify(None, f"Password-{n}!")
        names.add(threading.current_thread().name)

    await asyncio.gather(*(one(n) for n in range(4)))

    hashing_threads = {
        thread.name for thread in threading.enumerate() if thread.name.startswith("argon2")
    }
    assert len(hashing_threads) == 1
    assert names == {original}  # callers resume on the event loop


async def test_a_cancelled_caller_frees_its_place_once_its_hash_is_done(hasher):
    tasks = [asyncio.create_task(hasher.hash(f"Password-{n}!")) for n in range(4)]
    await asyncio.sleep(0)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    async def drained() -> None:
        assert hasher.unfinished == 0

    await eventually(drained, timeout=5)
    assert (await hasher.hash("Password-again!")).startswith("$argon2id$")


async def test_a_burst_is_paced_to_the_hashers_share_of_a_core():
    paced = BoundedHasher(max_waiting=10, cpu_share=0.25)
    try:
        wall, cpu = time.monotonic(), time.process_time()
        await asyncio.gather(*(paced.hash(f"Password-{n}!") for n in range(5)))
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    finally:
        paced.close()

    # Resting 3 s per second of hashing after each of the first four hashes: the burst
    # takes at least 2.4 times the CPU it used, however busy the machine is.
    assert wall >= 2 * cpu
