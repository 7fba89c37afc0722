"""The report is uploaded while the apply step runs: a failed upload undoes that step too."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import BinaryIO

import pytest

from connectors.errors import TransientError
from connectors.storage import FileStore
from gateway.eligibility.flows import StoreOpener, s3_store_opener
from shared.database import Pool
from shared.settings import Settings
from tests.integration.eligibility.conftest import Employer, make_employee_member, member_emails

pytestmark = pytest.mark.usefixtures("worker")


class _FirstUploadFails:
    """A store whose first `put_new` fails as a dropped connection would; the rest is S3's."""

    def __init__(self, store: FileStore, failures: list[Exception]) -> None:
        self._store = store
        self._failures = failures

    def iter_lines(self, key: str) -> AsyncIterator[str]:
        return self._store.iter_lines(key)

    def iter_line_batches(self, key: str) -> AsyncIterator[list[str]]:
        return self._store.iter_line_batches(key)

    async def put_new(
        self, key: str, data: bytes | BinaryIO, *, content_type: str = "application/octet-stream"
    ) -> None:
        if self._failures:
            raise self._failures.pop()
        await self._store.put_new(key, data, content_type=content_type)

    async def presigned_get_url(self, key: str, *, expires_in: int | None = None) -> str:
        return await self._store.presigned_get_url(key, expires_in=expires_in)

    async def presigned_put_url(
        self, key: str, *, expires_in: int | None = None, content_type: str | None = None
    ) -> str:
        return await self._store.presigned_put_url(
            key, expires_in=expires_in, content_type=content_type
        )


@pytest.fixture
def store_opener(eligibility_settings: Settings) -> StoreOpener:
    """The worker's S3, failing the first report upload."""
    opener = s3_store_opener(eligibility_settings)
    failures: list[Exception] = [TransientError("s3", "put_object", "connection reset")]

    @asynccontextmanager
    async def open_store(bucket: str) -> AsyncGenerator[FileStore, None]:
        async with opener(bucket) as store:
            yield _FirstUploadFails(store, failures)

    return open_store


async def test_a_failed_report_upload_rolls_the_apply_back_and_the_retry_applies_the_file_once(
    employer: Employer, pool: Pool
):
    listed = await make_employee_member(pool, employer.id, country="US")
    leaver = await make_employee_member(pool, employer.id)
    others = [await make_employee_member(pool, employer.id) for _ in range(4)]
    emails = await member_emails(pool, [listed, *others])
    roster = "email,country\n" + "\n".join(
        [f"{emails[listed]},DE", *(f"{emails[o]},US" for o in others)]
    )

    status = await employer.settled(await employer.submit(employer.put(roster)), timeout=45)

    assert (status["status"], status["terminated"]) == ("done", 1), status
    assert employer.report(status).splitlines()[0] == "line,status,reason"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT attempts FROM eligibility_files WHERE id = %s", (status["id"],))
        assert (await cur.fetchone())[0] == 2  # the first attempt's apply did not commit
        await cur.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'member.terminated'"
            " AND (body::jsonb -> 'data' ->> 'member_id') = %s",
            (leaver,),
        )
        assert (await cur.fetchone())[0] == 1
        await cur.execute("SELECT country FROM members WHERE id = %s", (listed,))
        assert (await cur.fetchone())[0] == "DE"
