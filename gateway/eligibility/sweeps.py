"""The eligibility part of the stuck-work sweep: files whose processing stopped.

An eligibility file `processing` with no progress for 30 minutes: the worker
died mid-file; `eligibility.file_received` is written again (processing
restarts cleanly), up to 3 times; then the file fails with a reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gateway.stuck_work import retry_or_give_up
from shared.database import Cursor
from shared.eligibility import files
from shared.events.eligibility import EligibilityFileReceived
from shared.jobs.job import JobContext

ELIGIBILITY_AFTER = timedelta(minutes=30)


async def sweep_files(
    ctx: JobContext, cur: Cursor, now: datetime, switches: dict[str, bool]
) -> None:
    """Retry (or fail) files stuck in `processing` (no switch pauses eligibility)."""
    retry, give_up = await retry_or_give_up(
        cur,
        "eligibility.file",
        "SELECT t.id, t.employer_id FROM eligibility_files t"
        " WHERE t.status = 'processing' AND t.updated_at < %(cutoff)s",
        now - ELIGIBILITY_AFTER,
        now,
    )
    await ctx.emit(
        cur,
        [
            (
                "eligibility.file_received",
                EligibilityFileReceived(file_id=uuid.UUID(item), employer_id=uuid.UUID(employer)),
            )
            for item, employer in retry
        ],
    )
    if give_up:
        await files.fail_stuck(cur, give_up, now=now)
    ctx.record(eligibility_retried=len(retry), eligibility_failed=len(give_up))
