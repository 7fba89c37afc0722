"""An eligibility file's live progress for admins: server-sent `file` events until it ends.

`GET .../eligibility-files/{file_id}/events` sends the file's state at once and again
whenever its row changes (the worker's progress every 10,000 lines, the counts, the
hold, the outcome), woken by `NOTIFY eligibility_files` through the bff's change feed.
Each event is the whole `EligibilityFileOut`, so a reconnect simply gets the current
state. When the file is done or failed the stream sends `end` (`finished`) and closes.
"""

from __future__ import annotations

import json
import uuid

from aiohttp import web

from bff.employers.routes import EligibilityFileOut, file_out
from bff.members import FEED, FeedUnavailable
from bff.web.api import Access, ApiProblem, Endpoint, add_endpoints, not_found, path_uuid
from bff.web.sse import (
    HEARTBEAT,
    HEARTBEAT_SECONDS,
    MEDIA_TYPE,
    client_gone,
    open_stream,
    sse_frame,
)
from shared.database import connection_cursor
from shared.eligibility import files
from shared.web.keys import POOL

FINAL = frozenset({files.FileStatus.DONE, files.FileStatus.FAILED})
READY_TIMEOUT_SECONDS = 3.0


async def _state(
    request: web.Request, file_id: uuid.UUID, employer_id: uuid.UUID
) -> EligibilityFileOut:
    async with connection_cursor(request.app[POOL]) as cur:
        file = await files.get(cur, file_id, employer_id=employer_id)
    if file is None:
        raise not_found()
    return await file_out(request, file)


async def file_events(request: web.Request) -> web.StreamResponse:
    """The file's state now and after every change, until it is done or failed."""
    employer_id = path_uuid(request, "employer_id")
    file_id = path_uuid(request, "file_id")
    feed = request.app[FEED]
    try:
        await feed.wait_ready(READY_TIMEOUT_SECONDS)
    except FeedUnavailable:
        raise ApiProblem(
            503,
            "Service Unavailable",
            detail="Live updates are not available yet; retry shortly.",
            headers={"Retry-After": "2"},
        ) from None
    async with feed.watch_file(file_id) as watch:  # before the first read: no change missed
        state = await _state(request, file_id, employer_id)
        response = await open_stream(request)
        sent = b""
        try:
            while True:
                body = state.model_dump_json().encode()
                if body != sent:
                    await response.write(sse_frame("file", body))
                    sent = body
                if state.status in FINAL or watch.ended is not None:
                    reason = "finished" if state.status in FINAL else watch.ended
                    await response.write(sse_frame("end", json.dumps({"reason": reason}).encode()))
                    break
                if client_gone(request):
                    break
                if await watch.wait(HEARTBEAT_SECONDS):
                    if watch.ended is None:
                        state = await _state(request, file_id, employer_id)
                else:
                    await response.write(HEARTBEAT)
        except ConnectionResetError:
            pass  # the admin closed the page
    return response


def setup(app: web.Application) -> None:
    """Add the eligibility file's live stream (needs the change feed `bff.members` starts)."""
    add_endpoints(
        app,
        [
            Endpoint(
                "GET",
                "/api/v1/admin/employers/{employer_id}/eligibility-files/{file_id}/events",
                file_events,
                "An eligibility file's live progress (server-sent events: file, end)",
                "employers",
                access=Access.ADMIN,
                responses={200: EligibilityFileOut},
                media_type=MEDIA_TYPE,
            ),
        ],
    )
