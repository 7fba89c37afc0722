"""The live member page: `GET /api/v1/members/{member_id}/events`, server-sent events.

Authorised like the screen (session cookie, the member visible to the caller; a GET,
so no CSRF header, which `EventSource` could not send). A new stream starts with a
`screen` event (the whole member screen, its view audited once) whose id is the
feed's cursor; every later `change` event carries one changed item and its id. A
stream that reconnects with `Last-Event-ID` replays the member's changes since that
id from `member_changes` (audited once per reconnect) instead; a position older than
the table's retention gets a fresh screen. Updates themselves are never audited:
they are part of the view the open page already recorded.
"""

from __future__ import annotations

import json
import uuid

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.members.access import visible_member
from bff.members.change_feed import (
    FEED,
    FeedUnavailable,
    Subscription,
    change_feed_context,
    change_from_row,
)
from bff.members.event_models import MemberEventData
from bff.members.screen import load_screen_json
from bff.web import audit
from bff.web.api import ApiProblem, Endpoint, add_endpoints, not_found, path_uuid, read_query
from bff.web.keys import CURRENT_USER
from bff.web.session_auth import session_token
from bff.web.sse import (
    HEARTBEAT,
    HEARTBEAT_SECONDS,
    MEDIA_TYPE,
    client_gone,
    open_stream,
    sse_frame,
)
from shared.database import connection_cursor
from shared.identity.sessions import SessionUser, token_hash
from shared.web.keys import POOL

LAST_EVENT_ID = "Last-Event-ID"
READY_TIMEOUT_SECONDS = 3.0
# A reconnect that missed more than this many changes gets a fresh screen instead.
MAX_REPLAY = 1_000


class MemberEventsQuery(BaseModel):
    """Where to resume when the `Last-Event-ID` header cannot be sent (it wins when both are)."""

    model_config = ConfigDict(extra="forbid")

    last_event_id: int | None = Field(default=None, ge=0)


def _last_event_id(request: web.Request, query: MemberEventsQuery) -> int | None:
    header = request.headers.get(LAST_EVENT_ID, "").strip()
    if header.isdigit() and len(header) <= 18:
        return int(header)
    return query.last_event_id


async def _replay(
    request: web.Request, member_id: uuid.UUID, user: SessionUser, *, after: int, through: int
) -> list[bytes] | None:
    """The member's changes in `(after, through]` as frames; None when some are gone."""
    async with connection_cursor(request.app[POOL]) as cur:
        await visible_member(cur, member_id, user)
        if after >= through:
            return []
        await cur.execute("SELECT min(id) FROM member_changes")
        (oldest,) = await cur.fetchone()
        if oldest is None or oldest > after + 1:
            return None  # retention removed changes this client has not seen
        await cur.execute(
            "SELECT id, kind, data::text FROM member_changes"
            " WHERE member_id = %s AND id > %s AND id <= %s ORDER BY id LIMIT %s",
            (str(member_id), after, through, MAX_REPLAY + 1),
        )
        rows = await cur.fetchall()
    if len(rows) > MAX_REPLAY:
        return None
    return [change_from_row(int(row[0]), member_id, row[1], row[2]).frame for row in rows]


async def _first_frames(
    request: web.Request, sub: Subscription, user: SessionUser, last: int | None
) -> list[bytes]:
    """What a stream sends first: the missed changes on a resume, else the screen."""
    if last is not None:
        replay = await _replay(request, sub.member_id, user, after=last, through=sub.start)
        if replay is not None:
            sub.skip_through = max(sub.start, last)
            await audit.record_view(
                request, actor_id=user.id, member_id=sub.member_id, resource="member_changes"
            )
            return replay
    async with connection_cursor(request.app[POOL]) as cur:
        screen = await load_screen_json(cur, sub.member_id, user)
    if screen is None:
        raise not_found()
    await audit.record_view(
        request, actor_id=user.id, member_id=sub.member_id, resource="member_screen"
    )
    return [sse_frame("screen", screen, sub.start)]


async def member_events(request: web.Request) -> web.StreamResponse:
    """The member page's live stream (see the module docstring)."""
    member_id = path_uuid(request, "member_id")
    query = read_query(request, MemberEventsQuery)
    user = request[CURRENT_USER]
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
    token = session_token(request) or ""
    sub = feed.subscribe(
        member_id, viewer_id=user.id, is_admin=user.is_admin, token_hash=token_hash(token)
    )
    try:
        first = await _first_frames(request, sub, user, _last_event_id(request, query))
        response = await open_stream(request)
        try:
            if first:
                await response.write(b"".join(first))
            while not client_gone(request):
                frames = await sub.wait(HEARTBEAT_SECONDS)
                if frames:
                    await response.write(b"".join(frames))
                if sub.ended is not None:
                    end = json.dumps({"reason": sub.ended}).encode()
                    await response.write(sse_frame("end", end))
                    break
                if not frames:
                    await response.write(HEARTBEAT)
        except ConnectionResetError:
            pass  # the page went away
        return response
    finally:
        feed.unsubscribe(sub)


def setup(app: web.Application) -> None:
    """Add the change feed and the live member stream."""
    app.cleanup_ctx.append(change_feed_context)
    add_endpoints(
        app,
        [
            Endpoint(
                "GET",
                "/api/v1/members/{member_id}/events",
                member_events,
                "The member page's live updates (server-sent events: screen, change, end)",
                "members",
                query=MemberEventsQuery,
                responses={200: MemberEventData},
                media_type=MEDIA_TYPE,
            ),
        ],
    )
