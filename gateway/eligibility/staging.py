"""Bulk-load an eligibility file's lines into `eligibility_staging` with COPY, off the event loop.

This module holds every statement that writes `eligibility_staging`: the loader's
(COPY, duplicate marking, dropping an earlier attempt) and the apply step's
clean-up once a file is finished or superseded (`drop`, `drop_many`, on the consumer's
cursor).

aiopg cannot COPY (psycopg2's asynchronous mode has no COPY protocol), so the
loader holds two psycopg2 connections of its own and runs every statement on
one dedicated thread: the load connection keeps the whole file in one
transaction (the staging rows exist for others only once every line was read
and committed), the progress connection autocommits the counters the webapp
polls. Lines are sent in batches of `batch_rows`; while one batch is copied the
event loop checks the next, and at most one batch waits, so memory stays flat
whatever the file's size.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import psycopg2
from psycopg2.extensions import ISOLATION_LEVEL_AUTOCOMMIT

from shared.database import Cursor
from shared.domain.eligibility import EmployeeText, Rejection
from shared.eligibility import files

COPY_SQL = (
    "COPY eligibility_staging"
    " (file_id, line_no, email, full_name, country, birth_date, salary, reason) FROM STDIN"
)
# Each COPY statement on a busy server takes seconds, not the pool's 5 s statement budget.
LOAD_STATEMENT_TIMEOUT = "15min"
LOAD_WORK_MEM = "64MB"
COPY_READ_BYTES = 256 * 1024
ANALYZE_STATISTICS_TARGET = 10
REPORT_HEADER = b"line,status,reason\n"
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


async def drop(cur: Cursor, file_id: uuid.UUID, *, timeout: float | None = None) -> None:
    """The file is finished: its staged rows are no longer needed (the caller's transaction)."""
    await cur.execute(
        "DELETE FROM eligibility_staging WHERE file_id = %s", (str(file_id),), timeout=timeout
    )


async def drop_many(cur: Cursor, file_ids: list[str], *, timeout: float | None = None) -> None:
    """Superseded files: their staged rows are no longer needed (the caller's transaction)."""
    await cur.execute(
        "DELETE FROM eligibility_staging WHERE file_id = ANY(%s::uuid[])",
        (file_ids,),
        timeout=timeout,
    )


async def count(cur: Cursor, file_id: uuid.UUID) -> int:
    """How many lines of the file are staged (fewer than it read once a crash emptied the
    table: it is UNLOGGED)."""
    await cur.execute(
        "SELECT count(*) FROM eligibility_staging WHERE file_id = %s", (str(file_id),)
    )
    return int((await cur.fetchone())[0])


def _text(value: str | None) -> str:
    """A value in COPY's text format (a check first: `translate` is slow, escapes are rare)."""
    if value is None:
        return _NULL
    # Tabs, newlines and carriage returns are not printable; a backslash is.
    return value if value.isprintable() and "\\" not in value else value.translate(_ESCAPES)


@dataclass(frozen=True)
class ClaimedFile:
    """A file this worker now processes."""

    id: uuid.UUID
    employer_id: uuid.UUID
    bucket: str
    object_key: str
    created_at: datetime


@dataclass(frozen=True)
class StagedCounts:
    """What the staged file holds once duplicates are marked."""

    accepted: int
    rejected: int


class StagingLoader:
    """One file's staging load: `claim()`, add lines, `commit()`, `write_report()`; close always."""

    def __init__(self, dsn: str, file_id: uuid.UUID, *, batch_rows: int = 10_000) -> None:
        self._dsn = dsn
        self._file_id = file_id
        self._file = str(file_id)
        self._batch_rows = batch_rows
        self._rows: list[str] = []
        self._accepted = self._rejected = 0  # lines added so far
        self._pending: asyncio.Future[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._load: Any = None
        self._progress: Any = None
        # The first rejected lines, in line order, filled while the report is written.
        self.rejected_sample: list[files.RejectedLine] = []

    async def open(self) -> StagingLoader:
        """Connect, start the load transaction and drop what an earlier attempt left staged."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eligibility-copy")
        await self._run(self._connect)
        return self

    def _connect(self) -> None:
        self._progress = psycopg2.connect(self._dsn, application_name="origin-eligibility")
        self._progress.set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)
        self._load = psycopg2.connect(self._dsn, application_name="origin-eligibility-load")
        self._load.set_client_encoding("UTF8")  # COPY is sent as UTF-8 bytes
        with self._load.cursor() as cur:
            cur.execute("SET statement_timeout = %s", (LOAD_STATEMENT_TIMEOUT,))
            # Marking repeated emails sorts every line of the file: in memory, not on disk.
            cur.execute("SET work_mem = %s", (LOAD_WORK_MEM,))
        self._load.commit()

    async def claim(self) -> ClaimedFile | None:
        """Start (or restart, after a crash) processing the file, committed at once.

        None when the file is already past processing (done, failed, waiting for a
        confirmation): a redelivered message then changes nothing. A restart drops
        what an earlier attempt staged, inside the new load transaction.
        """
        claimed: ClaimedFile | None = await self._run(self._claim)
        return claimed

    def _claim(self) -> ClaimedFile | None:
        with self._progress.cursor() as cur:
            row = files.claim_for_processing(cur, self._file_id)
            # The claim is committed durably; the progress counters that follow are for the
            # page that polls them, and a crash restarts processing from zero anyway: they
            # need not wait for their WAL flush (one per batch).
            cur.execute("SET synchronous_commit = off")
        if row is None:
            return None
        with self._load.cursor() as cur:
            cur.execute("DELETE FROM eligibility_staging WHERE file_id = %s", (self._file,))
        employer_id, bucket, object_key, created_at = row
        return ClaimedFile(
            id=self._file_id,
            employer_id=uuid.UUID(str(employer_id)),
            bucket=bucket,
            object_key=object_key,
            created_at=created_at,
        )

    async def close(self) -> None:
        """Roll back an unfinished load and release the connections and the thread."""
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
            self._pending = None
        if self._executor is not None:
            await self._run(self._disconnect)
            self._executor.shutdown(wait=True)
            self._executor = None

    def _disconnect(self) -> None:
        for conn in (self._load, self._progress):
            if conn is not None and not conn.closed:
                conn.close()  # closing an open transaction rolls it back

    async def __aenter__(self) -> StagingLoader:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, func: Any, *args: Any) -> Any:
        assert self._executor is not None, "StagingLoader used before open()"
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    # ---- loading ------------------------------------------------------------------

    def add(self, line_no: int, result: EmployeeText | Rejection) -> None:
        """Buffer one checked line (send the batch when `full`).

        Of an accepted line only the name can need escaping: a checked email, country,
        date and salary hold no tab, newline or backslash.
        """
        if isinstance(result, Rejection):
            self._rejected += 1
            self._rows.append(
                f"{self._file}\t{line_no}\t{_text(result.email)}\t\\N\t\\N\t\\N\t\\N"
                f"\t{_text(result.reason)}\n"
            )
            return
        self._accepted += 1
        email, country, full_name, birth_date, salary = result
        self._rows.append(
            f"{self._file}\t{line_no}\t{email}\t{_text(full_name)}\t{country}"
            f"\t{birth_date or _NULL}\t{salary or _NULL}\t\\N\n"
        )

    def add_failure(self, line_no: int, reason: str) -> None:
        """Buffer a line rejected before it could be checked (not UTF-8, say)."""
        self.add(line_no, Rejection(reason))

    @property
    def full(self) -> bool:
        """True when a batch is ready to be sent."""
        return len(self._rows) >= self._batch_rows

    async def flush(self) -> None:
        """Send the buffered rows; waits only for the batch before (one in flight at a time)."""
        if not self._rows:
            return
        text = "".join(self._rows)
        self._rows = []  # before encoding: the lines, the text and the bytes are never all held
        data = text.encode()  # bytes: a StringIO would hold 4 bytes a character
        del text
        if self._pending is not None:
            pending, self._pending = self._pending, None
            await pending
        self._pending = asyncio.get_running_loop().run_in_executor(self._executor, self._copy, data)

    def _copy(self, data: bytes) -> None:
        with self._load.cursor() as cur:
            # Big reads: psycopg2 takes the GIL back after sending each one, and while the
            # event loop checks lines that wait is up to the switch interval (5 ms): with
            # its default 8 KiB, the copy thread spent most of a batch waiting for the GIL.
            cur.copy_expert(COPY_SQL, io.BytesIO(data), size=COPY_READ_BYTES)

    async def report_progress(self, *, rows_read: int, accepted: int, rejected: int) -> None:
        """Publish the counters so far (committed at once, whatever becomes of the load)."""
        await self._run(self._progress_update, rows_read, accepted, rejected)

    def _progress_update(self, rows_read: int, accepted: int, rejected: int) -> None:
        with self._progress.cursor() as cur:
            files.record_progress(
                cur, self._file_id, rows_read=rows_read, accepted=accepted, rejected=rejected
            )

    async def commit(self) -> StagedCounts:
        """Send what is left, mark repeated emails, and commit: the file is staged as a whole."""
        await self.flush()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            await pending
        counts: StagedCounts = await self._run(self._finish)
        return counts

    def _finish(self) -> StagedCounts:
        with self._load.cursor() as cur:
            # The first line of an email wins; later ones are rejected, naming it.
            cur.execute(
                "UPDATE eligibility_staging s"
                " SET full_name = NULL, country = NULL, birth_date = NULL, salary = NULL,"
                "     reason = 'duplicate email (first on line ' || d.first_line || ')'"
                " FROM (SELECT line_no, min(line_no) OVER (PARTITION BY email) AS first_line"
                "       FROM eligibility_staging WHERE file_id = %(file)s AND reason IS NULL) d"
                " WHERE s.file_id = %(file)s AND s.line_no = d.line_no"
                "   AND d.line_no > d.first_line",
                {"file": self._file},
            )
            repeated = cur.rowcount
        self._load.commit()
        # Fresh rows have no statistics; without them the apply step's joins plan as
        # nested loops over a "tiny" table (minutes instead of seconds on big files).
        # Those plans need the row count, the share of rejected lines and that emails are
        # distinct: a 3,000 row sample tells them as well as the default 30,000 does (the
        # same plans), in 20 ms instead of 0.2-0.4 s on a 600,000 line file.
        with self._load.cursor() as cur:
            cur.execute("SET LOCAL default_statistics_target = %s", (ANALYZE_STATISTICS_TARGET,))
            cur.execute("ANALYZE eligibility_staging")
        self._load.commit()
        # Every line went through `add` (a restart dropped what an earlier attempt staged).
        return StagedCounts(accepted=self._accepted - repeated, rejected=self._rejected + repeated)

    # ---- report -------------------------------------------------------------------

    async def write_report(self, sink: IO[bytes]) -> None:
        """Write `line,status,reason` for every staged line, in line order, to `sink`."""
        await self._run(self._report, sink)

    def _report(self, sink: IO[bytes]) -> None:
        sink.write(REPORT_HEADER)
        self.rejected_sample = []
        with self._load.cursor(name="eligibility_report") as cur:
            cur.itersize = 5_000  # rows held at once (a tuple each)
            cur.execute(
                "SELECT line_no, reason FROM eligibility_staging WHERE file_id = %s"
                " ORDER BY line_no",
                (self._file,),
            )
            lines: list[str] = []
            for line_no, reason in cur:
                if reason is None:
                    lines.append(f"{line_no},accepted,\n")
                else:
                    if len(self.rejected_sample) < files.REJECTED_SAMPLE:
                        self.rejected_sample.append(files.RejectedLine(line=line_no, reason=reason))
                    quoted = reason.replace('"', '""')
                    lines.append(f'{line_no},rejected,"{quoted}"\n')
                if len(lines) >= 10_000:
                    sink.write("".join(lines).encode())
                    lines = []
            sink.write("".join(lines).encode())
        self._load.commit()  # ends the read transaction the named cursor needed
