"""`transaction`: commit at the end, roll back on error, and a last statement sent with COMMIT."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg2
import pytest

from shared.database import Cursor, Pool, commit_with, connection_cursor, transaction
from tests.support.scratch_tables import scratch_table


@pytest.fixture
async def table(pool: Pool) -> AsyncIterator[str]:
    async with scratch_table(pool, "test_tx", "n int PRIMARY KEY") as name:
        yield name


async def _rows(pool: Pool, table: str) -> list[int]:
    async with connection_cursor(pool) as cur:
        await cur.execute(f"SELECT n FROM {table} ORDER BY n")
        return [n for (n,) in await cur.fetchall()]


def _notices(cur: Cursor) -> list[str]:
    """The server's notices on the cursor's connection (psycopg2 appends them as they come)."""
    notices: list[str] = cur.raw.connection.notices
    return notices


def _committed_twice(cur: Cursor) -> bool:
    """A COMMIT outside a transaction is only a warning: the notices are where it shows."""
    return any("no transaction in progress" in notice for notice in _notices(cur))


async def test_a_last_statement_sent_with_commit_is_committed_without_a_second_commit(
    pool: Pool, table: str
) -> None:
    async with transaction(pool, first=(f"INSERT INTO {table} VALUES (%s)", (1,))) as cur:
        _notices(cur).clear()
        await commit_with(cur, f"INSERT INTO {table} VALUES (%s)", (2,))
    assert await _rows(pool, table) == [1, 2]
    assert not _committed_twice(cur)


async def test_a_last_statement_that_fails_rolls_the_whole_transaction_back(
    pool: Pool, table: str
) -> None:
    with pytest.raises(psycopg2.errors.UniqueViolation):
        async with transaction(pool) as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (1)")
            await commit_with(cur, f"INSERT INTO {table} VALUES (%s)", (1,))
    assert await _rows(pool, table) == []
    # The connection went back to the pool out of its transaction, and serves the next one.
    async with transaction(pool) as cur:
        await cur.execute(f"INSERT INTO {table} VALUES (3)")
    assert await _rows(pool, table) == [3]


async def test_an_error_after_the_block_committed_itself_keeps_what_it_committed(
    pool: Pool, table: str
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(pool) as cur:
            _notices(cur).clear()
            await commit_with(cur, f"INSERT INTO {table} VALUES (%s)", (4,))
            raise RuntimeError("after the commit")
    assert await _rows(pool, table) == [4]
    assert not _committed_twice(cur)


async def test_a_block_that_raises_before_committing_leaves_nothing(pool: Pool, table: str) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(pool) as cur:
            await cur.execute(f"INSERT INTO {table} VALUES (5)")
            raise RuntimeError("before the commit")
    assert await _rows(pool, table) == []
