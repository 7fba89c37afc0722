"""PostgreSQL through aiopg: one pool per process and explicit transactions.

aiopg connections are always in autocommit mode, so a unit of work opens its
transaction itself with `transaction(pool)`; repositories take the cursor and
never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiopg
from aiopg import Cursor, Pool
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

__all__ = ["Cursor", "Pool", "commit_with", "connection_cursor", "create_pool", "transaction"]


async def create_pool(
    dsn: str, *, max_size: int, statement_timeout_ms: int, application_name: str
) -> Pool:
    """Open a pool lazily (min size 0): a role starts and reports health while Postgres is down.

    A connection the server closes (a restart, a failover) leaves the pool as soon as its
    socket reports it: aiopg watches every idle connection's socket. TCP keepalives find
    idle connections whose host vanished without closing them, which no socket reports.
    """
    return await aiopg.create_pool(
        dsn,
        minsize=0,
        maxsize=max_size,
        timeout=10.0,
        pool_recycle=600.0,
        options=f"-c statement_timeout={statement_timeout_ms}",
        application_name=application_name,
        connect_timeout=3,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )


@asynccontextmanager
async def transaction(
    pool: Pool, *, first: tuple[str, Sequence[Any]] | None = None
) -> AsyncIterator[Cursor]:
    """Run the block in one transaction: commit when it ends, roll back when it raises.

    `first` (a statement and its parameters) travels with BEGIN in one round trip;
    the cursor then holds its result (rowcount, rows). A block may likewise send its
    last statement with COMMIT (`commit_with`); its end then has nothing left to commit.
    Hot paths use both.
    """
    async with pool.acquire() as conn, conn.cursor() as cur:
        if first is None:
            await cur.execute("BEGIN")
        else:
            statement, parameters = first
            await cur.execute("BEGIN; " + statement, parameters)
        try:
            yield cur
        except BaseException:
            if not conn.closed and not _ended(cur):
                await cur.execute("ROLLBACK")
            raise
        if not _ended(cur):
            await cur.execute("COMMIT")


async def commit_with(cur: Cursor, statement: str, parameters: Sequence[Any]) -> None:
    """The transaction's last statement and its COMMIT in one round trip.

    If the statement fails, COMMIT is not run and the block's error rolls the
    transaction back as usual. The cursor holds no result afterwards (COMMIT's).
    """
    await cur.execute(statement + "; COMMIT", parameters)


def _ended(cur: Cursor) -> bool:
    """True once the block committed itself (`commit_with`): the session is out of its
    transaction. A failed transaction still counts as open, so it is rolled back."""
    return bool(cur.raw.connection.info.transaction_status == TRANSACTION_STATUS_IDLE)


@asynccontextmanager
async def connection_cursor(pool: Pool) -> AsyncIterator[Cursor]:
    """A cursor in autocommit mode, for single read-only statements."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        yield cur
