"""Eligibility flow: stream an employer's roster from S3, stage it, report, apply, terminate.

`eligibility.file_received`:

1. claim the file (`queued`/`processing` -> `processing`, committed at once; a
   file already past that is a redelivery and nothing happens);
2. stream the object in batches of lines (`FileStore.iter_line_batches`), check each line
   (`shared.domain.eligibility`) and COPY every line, accepted or rejected with its
   reason, into `eligibility_staging` in one transaction on the loader's own
   connection, publishing progress as it goes; a bad header, an unreadable or
   non-UTF-8 object or a file without rows fails the file with a reason;
3. commit the staging rows (duplicates of an email rejected there), then upload the
   report `<key>.report.csv` create-only next to the input while step 4 runs (the
   handler waits for both);
4. in the consumer's transaction (with the inbox row): update listed members,
   upsert eligibility records, then terminate members the file no longer lists,
   unless that would end more than `eligibility_termination_guard_ratio` of the
   employer's active members: the file then waits in `needs_confirmation` until an
   admin confirms (`eligibility.terminations_confirmed`). Staging is UNLOGGED (migration
   0017): a confirmation whose staged lines a database crash emptied fails the file.

The consumer transaction stays open while the file streams; nothing in it is
written before step 4, so the loader's own commits never wait on it.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from connectors.errors import AuthenticationError, PermanentError
from connectors.storage import (
    FileStore,
    LineTooLong,
    ObjectAlreadyExists,
    ObjectNotFound,
    S3FileStore,
    StorageConfig,
)
from gateway.eligibility import apply, staging
from gateway.eligibility.staging import ClaimedFile, StagingLoader
from shared.domain.eligibility import HeaderError, Rejection, check_line_text, parse_header
from shared.eligibility import files, reports
from shared.events.eligibility import EligibilityFileReceived, EligibilityTerminationsConfirmed
from shared.messaging import topology
from shared.messaging.consumer import Consumer, HandlerContext
from shared.settings import Settings

log = logging.getLogger(__name__)

QUEUE = topology.queue_by_name("gateway.eligibility")
# Reports of big files go to disk past this size instead of staying in memory (a 600,000
# line file's report is ~8 MB; the worker's whole budget for a file is ~20 MB).
REPORT_SPOOL_BYTES = 1024 * 1024
STAGING_LOST = (
    "the file's checked lines were lost while it waited for confirmation (a database restart);"
    " nobody was terminated: submit the file again"
)

StoreOpener = Callable[[str], AbstractAsyncContextManager[FileStore]]


class BadFile(Exception):
    """The file as a whole cannot be processed; the message is shown to admins."""


@dataclass
class LoadResult:
    """What streaming the file produced."""

    rows_read: int
    accepted: int
    rejected: int


def s3_store_opener(settings: Settings) -> StoreOpener:
    """Open an S3 store on a file's bucket (credentials from the default chain)."""

    def open_store(bucket: str) -> AbstractAsyncContextManager[FileStore]:
        config = StorageConfig(
            bucket=bucket, region=settings.aws_region, endpoint_url=settings.aws_endpoint_url
        )
        return S3FileStore(config)

    return open_store


class _Timer:
    """Seconds per phase, for the log line ops read when a big file is slow."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.laps[phase] = round(now - self._last, 3)
        self._last = now


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass
class EligibilityFlow:
    """The flow's dependencies: settings, how to open a store, and the clock."""

    settings: Settings
    open_store: StoreOpener
    batch_rows: int = 10_000
    today: Callable[[], date] = field(default=_utc_today)

    def consumer(self) -> Consumer:
        """The consumer of `gateway.eligibility`."""
        return Consumer(
            QUEUE,
            {
                EligibilityFileReceived: self.on_file_received,
                EligibilityTerminationsConfirmed: self.on_terminations_confirmed,
            },
        )

    async def on_file_received(self, ctx: HandlerContext[EligibilityFileReceived]) -> None:
        """Process a submitted file end to end (see the module docstring)."""
        data = ctx.data
        dsn = self.settings.database_url.get_secret_value()
        async with StagingLoader(dsn, data.file_id, batch_rows=self.batch_rows) as loader:
            claimed = await loader.claim()
            if claimed is None:
                log.info("eligibility file already processed", extra={"file_id": str(data.file_id)})
                return
            timer = _Timer()
            async with self.open_store(claimed.bucket) as store:
                try:
                    loaded = await self._load(claimed, store, loader)
                    timer.lap("load")
                    counts = await loader.commit()
                    timer.lap("stage")
                except BadFile as exc:
                    await files.fail(ctx.cur, claimed.id, str(exc))
                    log.warning(
                        "eligibility file failed",
                        extra={"file_id": str(claimed.id), "reason": str(exc)},
                    )
                    return
                # The report is read on the loader's connection and uploaded while the apply
                # step works on the consumer's: neither needs the other, and both are in the
                # consumer's transaction's outcome (a failed upload rolls the apply back).
                report = asyncio.ensure_future(self._upload_report(claimed, store, loader, timer))
                try:
                    await self._apply(ctx, claimed, timer)
                except BaseException:
                    # The loader's connection and the store close only once the report is done
                    # with them; the apply's error is the one raised.
                    await asyncio.gather(report, return_exceptions=True)
                    raise
                report_key = await report
        await files.record_staged(
            ctx.cur,
            claimed.id,
            rows_read=loaded.rows_read,
            accepted=counts.accepted,
            rejected=counts.rejected,
            report_key=report_key,
            rejected_sample=loader.rejected_sample,
        )

    async def _load(self, file: ClaimedFile, store: FileStore, loader: StagingLoader) -> LoadResult:
        today = self.today()
        layout = None
        line_no = 0
        rows_read = rejected = 0
        add = loader.add  # looked up once, not per line
        try:
            async with aclosing(_line_batches(store, file.object_key)) as batches:
                async for batch in batches:
                    for line in batch:
                        line_no += 1
                        if not line or line.isspace():
                            continue  # blank lines (a trailing newline, say) are not rows
                        if layout is None:
                            layout = parse_header(line)
                            continue
                        checked = check_line_text(line, layout, today=today)
                        add(line_no, checked)
                        rows_read += 1
                        if isinstance(checked, Rejection):
                            rejected += 1
                        if loader.full:  # every batch: show the progress, and send it
                            # In this order: the progress waits for the batch before on the
                            # loader's thread, then this batch is copied while we read on.
                            await loader.report_progress(
                                rows_read=rows_read,
                                accepted=rows_read - rejected,
                                rejected=rejected,
                            )
                            await loader.flush()
        except HeaderError as exc:
            raise BadFile(f"not an eligibility file: {exc}") from None
        except UnicodeDecodeError:  # a FileStore that decodes strictly
            raise BadFile(f"line {line_no + 1} is not UTF-8 text: not a CSV file") from None
        except LineTooLong:
            raise BadFile(f"line {line_no + 1} is too long: not a CSV file") from None
        except ObjectNotFound:
            raise BadFile("the file does not exist in the bucket") from None
        except (AuthenticationError, PermanentError) as exc:
            raise BadFile(f"the file could not be read ({type(exc).__name__})") from None
        result = LoadResult(rows_read=rows_read, accepted=rows_read - rejected, rejected=rejected)
        if layout is None:
            raise BadFile("the file is empty")
        if result.rows_read == 0:
            raise BadFile("the file has a header but no rows")
        await loader.report_progress(
            rows_read=result.rows_read, accepted=result.accepted, rejected=result.rejected
        )
        return result

    async def _upload_report(
        self, file: ClaimedFile, store: FileStore, loader: StagingLoader, timer: _Timer
    ) -> str:
        started = time.perf_counter()
        report_key = reports.report_key(file.object_key)
        with tempfile.SpooledTemporaryFile(max_size=REPORT_SPOOL_BYTES) as report:
            await loader.write_report(report)
            report.seek(0)
            try:
                await store.put_new(report_key, report, content_type="text/csv")  # type: ignore[arg-type]
            except ObjectAlreadyExists:
                # An earlier attempt uploaded it before failing later; same input, same report.
                log.info("eligibility report already uploaded", extra={"file_id": str(file.id)})
        timer.laps["report"] = round(time.perf_counter() - started, 3)  # alongside the apply
        return report_key

    async def _apply(
        self, ctx: HandlerContext[EligibilityFileReceived], file: ClaimedFile, timer: _Timer
    ) -> None:
        staged = apply.StagedFile(file.id, file.employer_id, file.created_at)
        cur = ctx.cur
        await apply.begin(cur, file.employer_id)
        newer = await apply.newer_file(cur, staged)
        if newer is not None:
            await files.fail(cur, file.id, "superseded: a newer file of this employer was applied")
            await apply.drop_staging(cur, file.id)
            return
        await apply.supersede_waiting(cur, staged)
        updated = await apply.update_members(cur, staged)
        timer.lap("update_members")
        upserted = await apply.upsert_records(cur, staged)
        timer.lap("upsert_records")
        leavers = await apply.find_leavers(cur, staged)
        timer.lap("find_leavers")
        active, leaving = leavers.active, len(leavers.ids)
        await files.record_applied(
            cur, file.id, members_updated=updated, records_upserted=upserted, active_members=active
        )
        ratio = self.settings.eligibility_termination_guard_ratio
        if apply.exceeds_guard(active=active, leaving=leaving, ratio=ratio):
            await files.hold_for_confirmation(cur, file.id, pending=leaving)
            log.warning(
                "eligibility file needs confirmation",
                extra={"file_id": str(file.id), "leaving": leaving, "active": active},
            )
            return
        terminated = await apply.terminate_leavers(ctx, staged, leavers, now=datetime.now(UTC))
        timer.lap("terminate")
        await files.finish(cur, file.id, terminated=terminated)
        await apply.drop_staging(cur, file.id)
        timer.lap("drop_staging")
        log.info(
            "eligibility file applied",
            extra={
                "file_id": str(file.id),
                "members_updated": updated,
                "records_upserted": upserted,
                "terminated": terminated,
                "seconds": timer.laps,
            },
        )

    async def on_terminations_confirmed(
        self, ctx: HandlerContext[EligibilityTerminationsConfirmed]
    ) -> None:
        """An admin confirmed a held file: terminate its leavers now (once)."""
        data = ctx.data
        cur = ctx.cur
        await apply.begin(cur, data.employer_id)
        file = await files.get(cur, data.file_id, employer_id=data.employer_id)
        if (
            file is None
            or file.status is not files.FileStatus.NEEDS_CONFIRMATION
            or file.confirmed_at is None
        ):
            return  # already applied, superseded, or never held: nothing to do
        staged = apply.StagedFile(file.id, file.employer_id, file.created_at)
        if await apply.newer_file(cur, staged) is not None:
            await files.fail(cur, file.id, "superseded: a newer file of this employer was applied")
            await apply.drop_staging(cur, file.id)
            return
        if await staging.count(cur, file.id) != file.rows_read:
            # The staging table is UNLOGGED: a database crash or failover while the file
            # waited emptied it, and terminating now would end everyone it lists.
            await files.fail(cur, file.id, STAGING_LOST)
            await apply.drop_staging(cur, file.id)
            log.warning("eligibility file lost its staged lines", extra={"file_id": str(file.id)})
            return
        leavers = await apply.find_leavers(cur, staged)
        terminated = await apply.terminate_leavers(ctx, staged, leavers, now=datetime.now(UTC))
        await files.finish(cur, file.id, terminated=terminated)
        await apply.drop_staging(cur, file.id)
        log.info(
            "eligibility terminations confirmed",
            extra={"file_id": str(file.id), "terminated": terminated},
        )


async def _line_batches(store: FileStore, key: str) -> AsyncGenerator[list[str], None]:
    """The store's lines in batches, closing its stream (and its connection) when we stop early."""
    batches = store.iter_line_batches(key)
    try:
        async for batch in batches:
            yield batch
    finally:
        close = getattr(batches, "aclose", None)
        if close is not None:
            await close()


def consumers(settings: Settings) -> list[Consumer]:
    """The eligibility consumer, on S3 per the worker's settings."""
    return [EligibilityFlow(settings, s3_store_opener(settings)).consumer()]
