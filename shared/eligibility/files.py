"""Every statement that writes `eligibility_files`: the bff (submit, confirm) and the worker use it.

Functions take the caller's cursor, bind every parameter and never commit. The
staging loader claims files and reports progress on a psycopg2 connection of its
own, off the event loop (`claim_for_processing`, `record_progress` are blocking).
`started_at` and `finished_at` both come from the database's wall clock
(`clock_timestamp()`): `now()` is when the writer's transaction began, and the worker's
transaction begins before the claim that sets `started_at` commits on another connection.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from shared.database import Cursor


class FileStatus(StrEnum):
    """Where a file is in its life; only `processing` moves on by itself."""

    QUEUED = "queued"
    PROCESSING = "processing"
    NEEDS_CONFIRMATION = "needs_confirmation"
    DONE = "done"
    FAILED = "failed"


REJECTED_SAMPLE = 20


class RejectedLine(BaseModel):
    """A rejected line of a file and why (the first `REJECTED_SAMPLE` are kept on the file)."""

    model_config = ConfigDict(frozen=True)

    line: int
    reason: str


class EligibilityFile(BaseModel):
    """One submitted file, its progress and its outcome."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    employer_id: uuid.UUID
    bucket: str
    object_key: str
    status: FileStatus
    rows_read: int
    accepted: int
    rejected: int
    members_updated: int
    records_upserted: int
    terminated: int
    terminations_pending: int | None
    active_members: int | None
    report_key: str | None
    rejected_sample: list[RejectedLine]
    error: str | None
    attempts: int
    submitted_by: uuid.UUID | None
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


_COLUMNS = (
    "id, employer_id, bucket, object_key, status, rows_read, accepted, rejected,"
    " members_updated, records_upserted, terminated, terminations_pending, active_members,"
    " report_key, rejected_sample, error, attempts, submitted_by, confirmed_by, confirmed_at,"
    " created_at, started_at, finished_at, updated_at"
)
_FIELDS = tuple(name.strip() for name in _COLUMNS.split(","))


class ObjectAlreadySubmitted(Exception):
    """That bucket and key were submitted before (the existing file's id is `file_id`)."""

    def __init__(self, file_id: uuid.UUID) -> None:
        super().__init__("this object was already submitted")
        self.file_id = file_id


def _file(row: tuple[Any, ...]) -> EligibilityFile:
    return EligibilityFile.model_validate(dict(zip(_FIELDS, row, strict=True)))


async def create(
    cur: Cursor,
    *,
    employer_id: uuid.UUID,
    bucket: str,
    object_key: str,
    submitted_by: uuid.UUID | None,
) -> EligibilityFile:
    """Record a submitted file as queued; `ObjectAlreadySubmitted` when the object was seen."""
    await cur.execute(
        "INSERT INTO eligibility_files (id, employer_id, bucket, object_key, submitted_by)"  # noqa: S608 - fixed column list
        " VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (bucket, object_key) DO NOTHING"
        f" RETURNING {_COLUMNS}",
        (str(uuid.uuid4()), str(employer_id), bucket, object_key, _opt(submitted_by)),
    )
    row = await cur.fetchone()
    if row is None:
        await cur.execute(
            "SELECT id FROM eligibility_files WHERE bucket = %s AND object_key = %s",
            (bucket, object_key),
        )
        existing = await cur.fetchone()
        raise ObjectAlreadySubmitted(uuid.UUID(str(existing[0])))
    return _file(row)


async def get(
    cur: Cursor, file_id: uuid.UUID, *, employer_id: uuid.UUID | None = None
) -> EligibilityFile | None:
    """One file (of `employer_id`, when given)."""
    await cur.execute(
        f"SELECT {_COLUMNS} FROM eligibility_files"  # noqa: S608 - fixed column list
        " WHERE id = %s AND (%s::uuid IS NULL OR employer_id = %s::uuid)",
        (str(file_id), _opt(employer_id), _opt(employer_id)),
    )
    row = await cur.fetchone()
    return None if row is None else _file(row)


async def list_for_employer(
    cur: Cursor, employer_id: uuid.UUID, *, limit: int
) -> list[EligibilityFile]:
    """An employer's files, newest first."""
    await cur.execute(
        f"SELECT {_COLUMNS} FROM eligibility_files"  # noqa: S608 - fixed column list
        " WHERE employer_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",
        (str(employer_id), limit),
    )
    return [_file(row) for row in await cur.fetchall()]


async def confirm(
    cur: Cursor, file_id: uuid.UUID, *, employer_id: uuid.UUID, user_id: uuid.UUID
) -> EligibilityFile | None:
    """Record an admin's confirmation of a waiting file; None unless it awaits one."""
    await cur.execute(
        "UPDATE eligibility_files SET confirmed_by = %s, confirmed_at = now(),"  # noqa: S608 - fixed column list
        " updated_at = now() WHERE id = %s AND employer_id = %s"
        " AND status = 'needs_confirmation' AND confirmed_at IS NULL"
        f" RETURNING {_COLUMNS}",
        (str(user_id), str(file_id), str(employer_id)),
    )
    row = await cur.fetchone()
    return None if row is None else _file(row)


async def fail(cur: Cursor, file_id: uuid.UUID, reason: str) -> None:
    """The file cannot be processed; `reason` says why (it must name no personal data)."""
    await cur.execute(
        "UPDATE eligibility_files SET status = 'failed', error = %s, terminations_pending = NULL,"
        " finished_at = clock_timestamp(), updated_at = now() WHERE id = %s",
        (reason[:500], str(file_id)),
    )


async def record_staged(
    cur: Cursor,
    file_id: uuid.UUID,
    *,
    rows_read: int,
    accepted: int,
    rejected: int,
    report_key: str,
    rejected_sample: list[RejectedLine],
) -> None:
    """The whole file was read and staged: final line counts, the report, the first rejects."""
    await cur.execute(
        "UPDATE eligibility_files SET rows_read = %s, accepted = %s, rejected = %s,"
        " report_key = %s, rejected_sample = %s, updated_at = now() WHERE id = %s",
        (
            rows_read,
            accepted,
            rejected,
            report_key,
            json.dumps([line.model_dump() for line in rejected_sample]),
            str(file_id),
        ),
    )


async def record_applied(
    cur: Cursor,
    file_id: uuid.UUID,
    *,
    members_updated: int,
    records_upserted: int,
    active_members: int,
) -> None:
    """What the set-based apply changed (before any termination)."""
    await cur.execute(
        "UPDATE eligibility_files SET members_updated = %s, records_upserted = %s,"
        " active_members = %s, updated_at = now() WHERE id = %s",
        (members_updated, records_upserted, active_members, str(file_id)),
    )


async def hold_for_confirmation(cur: Cursor, file_id: uuid.UUID, *, pending: int) -> None:
    """Too many terminations: wait for an admin."""
    await cur.execute(
        "UPDATE eligibility_files SET status = 'needs_confirmation', terminations_pending = %s,"
        " updated_at = now() WHERE id = %s",
        (pending, str(file_id)),
    )


async def finish(cur: Cursor, file_id: uuid.UUID, *, terminated: int) -> None:
    """Everything is applied, terminations included."""
    await cur.execute(
        "UPDATE eligibility_files SET status = 'done', terminated = %s,"
        " terminations_pending = NULL, finished_at = clock_timestamp(), updated_at = now()"
        " WHERE id = %s",
        (terminated, str(file_id)),
    )


async def supersede_waiting(
    cur: Cursor, *, employer_id: uuid.UUID, file_id: uuid.UUID, timeout: float | None = None
) -> list[str]:
    """Fail the employer's other files waiting for confirmation (a newer one replaces them); ids."""
    await cur.execute(
        "UPDATE eligibility_files SET status = 'failed', terminations_pending = NULL,"
        " error = 'superseded by a newer file before its terminations were confirmed',"
        " finished_at = clock_timestamp(), updated_at = now()"
        " WHERE employer_id = %s AND id <> %s AND status = 'needs_confirmation'"
        " RETURNING id",
        (str(employer_id), str(file_id)),
        timeout=timeout,
    )
    return [str(row[0]) for row in await cur.fetchall()]


async def fail_stuck(cur: Cursor, file_ids: list[str], *, now: datetime) -> None:
    """Fail files still `processing` whose restarts were used up (the stuck-work sweep)."""
    await cur.execute(
        "UPDATE eligibility_files SET status = 'failed',"
        " error = 'processing stopped making progress; retried and gave up',"
        " finished_at = clock_timestamp(), updated_at = %s"  # the clock of started_at
        " WHERE id = ANY(%s::uuid[]) AND status = 'processing'",
        (now, file_ids),
    )


class BlockingCursor(Protocol):
    """The part of a psycopg2 cursor the staging loader's statements use."""

    def execute(self, query: str, vars: Any = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...


def claim_for_processing(cur: BlockingCursor, file_id: uuid.UUID) -> tuple[Any, ...] | None:
    """(Re)start processing a `queued` or `processing` file; its (employer id, bucket, key,
    created at), or None when it is past processing. Blocking: the loader's connection."""
    cur.execute(
        "UPDATE eligibility_files SET status = 'processing', attempts = attempts + 1,"
        " rows_read = 0, accepted = 0, rejected = 0, error = NULL,"
        " started_at = clock_timestamp(), updated_at = now()"
        " WHERE id = %s AND status IN ('queued', 'processing')"
        " RETURNING employer_id, bucket, object_key, created_at",
        (str(file_id),),
    )
    row: tuple[Any, ...] | None = cur.fetchone()
    return row


def record_progress(
    cur: BlockingCursor, file_id: uuid.UUID, *, rows_read: int, accepted: int, rejected: int
) -> None:
    """The line counts so far, for the page that polls them. Blocking: the loader's connection."""
    cur.execute(
        "UPDATE eligibility_files SET rows_read = %s, accepted = %s, rejected = %s,"
        " updated_at = now() WHERE id = %s",
        (rows_read, accepted, rejected, str(file_id)),
    )


def _opt(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
