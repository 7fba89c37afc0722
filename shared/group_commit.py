"""Group commit: small writes of many concurrent requests committed in one transaction.

Committing costs Postgres far more CPU than the row itself: a one-row INSERT in
its own transaction costs about seven times one row of a twenty-row INSERT. A hot
path that only needs "my row is committed before I answer" submits the row here
and awaits it. A writer takes everything submitted so far, writes it in one
transaction and then wakes each submitter with its own result.

No timer delays anything: a lone request is written at once, and batches form
only from rows that arrive while earlier commits are in flight (at most
`writers` at a time). A batch refused for its data is written again one item at
a time, so a bad item fails only its own request; when Postgres itself is unreachable
or too slow, the whole batch fails at once (retrying items one by one would only make
every request wait longer). `close()` writes what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import psycopg2

from shared.database import Cursor, Pool, connection_cursor, transaction
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Writes a batch in the given transaction; returns one result per item, in order.
BatchWrite = Callable[[Cursor, Sequence[T]], Awaitable[Sequence[R]]]


class GroupCommitClosed(RuntimeError):
    """The writer is closed (the process is shutting down): nothing was written."""


class GroupCommit(Generic[T, R]):
    """Commits submitted items in shared transactions; `submit` returns the item's result.

    `start()` and `close()` bound its life, or `async with` (a role's `cleanup_ctx`).
    """

    def __init__(
        self,
        pool: Pool,
        write: BatchWrite[T, R],
        *,
        name: str,
        max_batch: int = 256,
        writers: int = 2,
        one_statement: bool = False,
    ) -> None:
        """`one_statement`: `write` runs a single statement, which Postgres applies atomically
        by itself, so it is sent without BEGIN and COMMIT (one round trip instead of three)."""
        self.name = name
        self._pool = pool
        self._write = write
        self._one_statement = one_statement
        self._max_batch = max_batch
        self._slots = asyncio.Semaphore(writers)
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._has_work = asyncio.Event()
        self._flushes: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0
        self.items = 0

    def start(self) -> None:
        """Begin writing (in the background, until `close()`)."""
        self._dispatcher = asyncio.get_running_loop().create_task(
            self._dispatch(), name=f"group-commit-{self.name}"
        )

    async def __aenter__(self) -> GroupCommit[T, R]:
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def submit(self, item: T) -> R:
        """Write `item` with whatever else is waiting; its result once committed.

        Raises what writing it raised. A caller cancelled while waiting does not
        withdraw the item: it is written anyway (as if the answer got lost).
        """
        if self._closed or self._dispatcher is None:
            raise GroupCommitClosed(self.name)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._has_work.set()
        return await future

    async def close(self) -> None:
        """Refuse new items, write the pending ones, then stop."""
        self._closed = True
        while (self._pending or self._flushes) and not self._stopped():
            if self._flushes:
                await asyncio.wait(set(self._flushes))
            else:
                await asyncio.sleep(0)  # the dispatcher takes the pending items next
        if self._dispatcher is not None:
            await cancel_and_wait(self._dispatcher)
        for _, future in self._pending:  # only when the dispatcher was never started
            if not future.done():
                future.set_exception(GroupCommitClosed(self.name))
        self._pending.clear()

    def _stopped(self) -> bool:
        return self._dispatcher is None or self._dispatcher.done()

    async def _dispatch(self) -> None:
        while True:
            await self._has_work.wait()
            await self._slots.acquire()
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            if not self._pending:
                self._has_work.clear()
            if not batch:
                self._slots.release()
                continue
            task = asyncio.get_running_loop().create_task(self._flush(batch))
            self._flushes.add(task)
            task.add_done_callback(self._flush_done)

    def _flush_done(self, task: asyncio.Task[None]) -> None:
        self._flushes.discard(task)
        self._slots.release()

    async def _flush(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._write_batch([item for item, _ in batch])
        except Exception as exc:  # every failure is handed to its submitters
            if len(batch) == 1 or not _may_be_one_items_fault(exc):
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
            log.warning(
                "group commit batch failed, writing its items one by one",
                extra={"writer": self.name, "items": len(batch), "error_type": type(exc).__name__},
            )
            for one in batch:
                await self._flush([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # a cancelled submitter's item was written all the same
                future.set_result(result)

    async def _write_batch(self, items: list[T]) -> Sequence[R]:
        if self._one_statement:
            async with connection_cursor(self._pool) as cur:
                results = await self._write(cur, items)
        else:
            async with transaction(self._pool) as cur:
                results = await self._write(cur, items)
        if len(results) != len(items):
            raise RuntimeError(f"{self.name}: {len(results)} results for {len(items)} items")
        self.batches += 1
        self.items += len(items)
        return results


def _may_be_one_items_fault(exc: Exception) -> bool:
    """True for errors a single item can cause (bad data), not for an unavailable database."""
    if isinstance(exc, ValueError | TypeError):  # the driver could not send a value
        return True
    return isinstance(exc, psycopg2.Error) and not isinstance(
        exc, psycopg2.OperationalError | psycopg2.InterfaceError
    )
