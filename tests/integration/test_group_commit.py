"""Group commit against the real Postgres: batching, per-item results, failure isolation, drain."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import psycopg2
import pytest

from shared.database import Cursor, Pool, transaction
from shared.group_commit import GroupCommit, GroupCommitClosed
from tests.support.scratch_tables import scratch_table


@pytest.fixture
async def table(pool: Pool) -> AsyncIterator[str]:
    columns = "id serial PRIMARY KEY, label text NOT NULL CHECK (label <> 'refused')"
    async with scratch_table(pool, "group_commit", columns) as name:
        yield name


def inserting(table: str, batches: list[int]):
    async def write(cur: Cursor, labels: Sequence[str]) -> list[int]:
        batches.append(len(labels))
        await cur.execute(
            f"INSERT INTO {table} (label) SELECT unnest(%s::text[]) RETURNING id",
            (list(labels),),
        )
        return [row[0] for row in await cur.fetchall()]

    return write


async def stored(pool: Pool, table: str) -> list[str]:
    async with transaction(pool) as cur:
        await cur.execute(f"SELECT label FROM {table} ORDER BY id")
        return [row[0] for row in await cur.fetchall()]


@pytest.mark.parametrize("one_statement", [False, True])
async def test_concurrent_items_share_commits_and_each_gets_its_own_result(
    pool, table, one_statement
):
    batches: list[int] = []
    writer = GroupCommit(
        pool, inserting(table, batches), name="test", writers=1, one_statement=one_statement
    )
    writer.start()
    try:
        lone = await writer.submit("lone")
        ids = await asyncio.gather(*(writer.submit(f"item-{n}") for n in range(200)))
    finally:
        await writer.close()

    assert batches[0] == 1  # nothing waits for company: a lone item is written at once
    assert sum(batches) == 201 and len(batches) < 100  # the 200 shared a few transactions
    labels = await stored(pool, table)
    assert sorted(labels) == sorted(["lone", *(f"item-{n}" for n in range(200))])
    assert len({lone, *ids}) == 201  # each submitter got the id of its own row


@pytest.mark.parametrize("one_statement", [False, True])
async def test_a_bad_item_fails_alone_and_the_rest_of_its_batch_is_written(
    pool, table, one_statement
):
    batches: list[int] = []
    writer = GroupCommit(
        pool, inserting(table, batches), name="test", writers=1, one_statement=one_statement
    )
    writer.start()
    try:
        results = await asyncio.gather(
            *(writer.submit(label) for label in ["a", "b", "bad\x00label", "c", "refused", "d"]),
            return_exceptions=True,
        )
    finally:
        await writer.close()

    assert isinstance(results[2], ValueError)  # refused by the driver
    assert isinstance(results[4], psycopg2.IntegrityError)  # refused by Postgres
    assert all(
        isinstance(result, int) for index, result in enumerate(results) if index not in (2, 4)
    )
    assert sorted(await stored(pool, table)) == ["a", "b", "c", "d"]


async def test_close_writes_what_is_pending_and_then_refuses(pool, table):
    writer = GroupCommit(pool, inserting(table, []), name="test")
    writer.start()
    waiting = [asyncio.ensure_future(writer.submit(f"late-{n}")) for n in range(20)]
    await asyncio.sleep(0)

    await writer.close()

    assert all(isinstance(task.result(), int) for task in waiting)
    assert len(await stored(pool, table)) == 20
    with pytest.raises(GroupCommitClosed):
        await writer.submit("after close")


async def test_a_cancelled_submitter_still_has_its_item_written(pool, table):
    writer = GroupCommit(pool, inserting(table, []), name="test")
    writer.start()
    try:
        task = asyncio.ensure_future(writer.submit("abandoned"))
        await asyncio.sleep(0)
        task.cancel()
        await writer.submit("next")
    finally:
        await writer.close()

    assert sorted(await stored(pool, table)) == ["abandoned", "next"]


async def test_an_unreachable_database_fails_the_whole_batch_at_once(pool):
    calls: list[int] = []

    async def write(cur: Cursor, labels: Sequence[str]) -> list[int]:
        calls.append(len(labels))
        raise psycopg2.OperationalError("server closed the connection unexpectedly")

    writer = GroupCommit(pool, write, name="test", writers=1)
    writer.start()
    try:
        results = await asyncio.gather(
            *(writer.submit(f"item-{n}") for n in range(10)), return_exceptions=True
        )
    finally:
        await writer.close()

    assert all(isinstance(result, psycopg2.OperationalError) for result in results)
    assert sum(calls) == 10  # each item tried once: no one-by-one retries
