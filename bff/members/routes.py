"""Member routes: the list, the member screen, profile changes and notes."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from aiohttp import web

from bff.members.access import visible_member
from bff.members.listing import list_members
from bff.members.models import (
    MemberList,
    MemberListQuery,
    MemberPatch,
    MemberScreen,
    NoteIn,
    NoteOut,
    PersonRef,
)
from bff.members.screen import ScreenRequest, load_screen_json, screens_by_session
from bff.web import audit
from bff.web.api import (
    Endpoint,
    add_endpoints,
    json_model,
    not_found,
    path_uuid,
    read_body,
    read_query,
)
from bff.web.audit import AuditAction
from bff.web.keys import CURRENT_USER
from bff.web.session_auth import session_token
from shared import members
from shared.database import Cursor, connection_cursor, transaction
from shared.group_commit import GroupCommit
from shared.identity.sessions import token_hash
from shared.web.keys import POOL, REQUEST_ID, SETTINGS

SCREENS_BY_SESSION: web.AppKey[GroupCommit[ScreenRequest, bytes | None]] = web.AppKey(
    "screens_by_session"
)


async def screen_response(request: web.Request, member_id: uuid.UUID) -> web.Response:
    """The member screen (auditing the view), or 404 when the user may not see the member."""
    user = request[CURRENT_USER]
    async with connection_cursor(request.app[POOL]) as cur:
        screen = await load_screen_json(cur, member_id, user)
    if screen is None:
        raise not_found()
    await audit.record_view(
        request, actor_id=user.id, member_id=member_id, resource="member_screen"
    )
    return web.Response(body=screen, content_type="application/json")


async def get_members(request: web.Request) -> web.StreamResponse:
    """A page of the caller's members (all members for admins)."""
    query = read_query(request, MemberListQuery)
    async with connection_cursor(request.app[POOL]) as cur:
        page = await list_members(cur, query, request[CURRENT_USER])
    return json_model(page)


async def get_member(request: web.Request) -> web.StreamResponse:
    """The member screen in one call."""
    return await screen_response(request, path_uuid(request, "member_id"))


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(segment: str) -> str | None:
    """`str(uuid.UUID(segment))`, or None for no UUID; the usual form is taken as it is."""
    if _CANONICAL_UUID.fullmatch(segment):
        return segment
    try:
        return str(uuid.UUID(segment))
    except ValueError:
        return None


async def get_member_by_session(request: web.Request) -> web.StreamResponse | None:
    """The member screen, its session check and its audit row in a shared statement.

    None (no cookie, a malformed id, a session that is not live or may not see the
    member) sends the request the usual way, which answers 401 or 404.
    """
    token = session_token(request)
    member_id = _uuid_text(request.match_info["member_id"])
    if member_id is None or token is None:
        return None
    screen = await request.app[SCREENS_BY_SESSION].submit(
        ScreenRequest(token_hash(token), member_id, request[REQUEST_ID])
    )
    if screen is None:
        return None
    return web.Response(body=screen, content_type="application/json")


async def _screens_by_session_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the group-commit reader of the member page's hot path."""
    settings = app[SETTINGS]
    write = screens_by_session(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
        mfa_required=settings.mfa_required_for_everyone,
    )
    async with GroupCommit(app[POOL], write, name="member-screens", one_statement=True) as writer:
        app[SCREENS_BY_SESSION] = writer
        yield


async def _apply_patch(cur: Cursor, member_id: uuid.UUID, patch: MemberPatch) -> None:
    values: dict[str, Any] = patch.model_dump(mode="json", exclude_unset=True)
    await members.set_contact(
        cur, member_id, {name: values[name] for name in members.CONTACT_COLUMNS if name in values}
    )
    await members.upsert_profile(
        cur, member_id, {name: values[name] for name in members.PROFILE_COLUMNS if name in values}
    )


async def patch_member(request: web.Request) -> web.StreamResponse:
    """Change contact data and profile fields; answers with the updated screen."""
    member_id = path_uuid(request, "member_id")
    patch = await read_body(request, MemberPatch)
    async with transaction(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER], lock=True)
        await _apply_patch(cur, member_id, patch)
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.UPDATE, resource="member"
        )
    return await screen_response(request, member_id)


async def add_note(request: web.Request) -> web.StreamResponse:
    """Add a note to the member."""
    member_id = path_uuid(request, "member_id")
    note = await read_body(request, NoteIn)
    user = request[CURRENT_USER]
    async with transaction(request.app[POOL]) as cur:
        await visible_member(cur, member_id, user)
        note_id, created_at = await members.add_note(
            cur, member_id, author_id=user.id, body=note.body
        )
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.CREATE, resource="note"
        )
    out = NoteOut(
        id=note_id,
        body=note.body,
        author=PersonRef(id=user.id, full_name=user.full_name),
        created_at=created_at,
    )
    return json_model(out, status=201)


def setup(app: web.Application) -> None:
    """Add the member routes."""
    app.cleanup_ctx.append(_screens_by_session_context)
    add_endpoints(
        app,
        [
            Endpoint(
                "GET",
                "/api/v1/members",
                get_members,
                "List members (search, filters, sort, cursor)",
                "members",
                query=MemberListQuery,
                responses={200: MemberList},
            ),
            Endpoint(
                "GET",
                "/api/v1/members/{member_id}",
                get_member,
                "The member screen",
                "members",
                responses={200: MemberScreen},
                fast_path=get_member_by_session,
            ),
            Endpoint(
                "PATCH",
                "/api/v1/members/{member_id}",
                patch_member,
                "Change contact data and the financial profile",
                "members",
                body=MemberPatch,
                responses={200: MemberScreen},
            ),
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/notes",
                add_note,
                "Add a note",
                "members",
                body=NoteIn,
                responses={201: NoteOut},
            ),
        ],
    )
