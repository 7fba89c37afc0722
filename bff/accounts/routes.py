"""Linking a member's bank accounts, through the gateway's internal API.

The bff checks access and audits; the gateway talks to the aggregation provider
and stores items and accounts. Gateway failures answer 502/503/422 problems.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.accounts.gateway_client import GATEWAY, GatewayError, LinkToken, SyncStarted
from bff.members import LinkedItemOut, visible_member
from bff.web import audit
from bff.web.api import ApiProblem, Endpoint, add_endpoints, json_model, path_uuid, read_body
from bff.web.audit import AuditAction
from bff.web.keys import CURRENT_USER
from shared.database import connection_cursor, transaction
from shared.outages import RETRY_AFTER_SECONDS
from shared.web.keys import POOL


class PublicTokenIn(BaseModel):
    """The public token the bank-linking flow handed the console."""

    model_config = ConfigDict(extra="forbid")

    public_token: Annotated[str, Field(min_length=1, max_length=500)]


class SyncsStarted(BaseModel):
    """The syncs the gateway accepted, one per linked item."""

    items: list[SyncStarted]


def _problem(error: GatewayError) -> ApiProblem:
    """The gateway's failure as the bff answers it; a 503 says when to try again."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if error.status == 503 else None
    return ApiProblem(error.status, error.title, detail=error.detail, headers=headers)


async def _audit(
    request: web.Request, member_id: uuid.UUID, action: AuditAction, what: str
) -> None:
    async with transaction(request.app[POOL]) as cur:
        await audit.record(cur, request, member_id=member_id, action=action, resource=what)


async def create_link_token(request: web.Request) -> web.StreamResponse:
    """A link token to open the bank-linking flow for the member."""
    member_id = path_uuid(request, "member_id")
    async with connection_cursor(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER])
    try:
        token = await request.app[GATEWAY].create_link_token(member_id)
    except GatewayError as exc:
        raise _problem(exc) from None
    await _audit(request, member_id, AuditAction.CREATE, "link_token")
    return json_model(token, status=201)


async def add_linked_item(request: web.Request) -> web.StreamResponse:
    """Exchange the public token: the gateway stores the item and its accounts."""
    member_id = path_uuid(request, "member_id")
    body = await read_body(request, PublicTokenIn)
    async with connection_cursor(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER])
    try:
        item = await request.app[GATEWAY].add_linked_item(member_id, body.public_token)
    except GatewayError as exc:
        raise _problem(exc) from None
    await _audit(request, member_id, AuditAction.CREATE, "linked_item")
    return json_model(item, status=201)


async def refresh_accounts(request: web.Request) -> web.StreamResponse:
    """Ask the gateway to refresh every linked item of the member (202)."""
    member_id = path_uuid(request, "member_id")
    async with connection_cursor(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER])
        await cur.execute(
            "SELECT id FROM linked_items WHERE member_id = %s AND status <> 'disconnected'"
            " ORDER BY created_at, id",
            (str(member_id),),
        )
        item_ids = [uuid.UUID(str(row[0])) for row in await cur.fetchall()]
    started = []
    try:
        for item_id in item_ids:
            started.append(await request.app[GATEWAY].sync_linked_item(item_id))
    except GatewayError as exc:
        raise _problem(exc) from None
    await _audit(request, member_id, AuditAction.UPDATE, "accounts_refresh")
    return json_model(SyncsStarted(items=started), status=202)


def setup(app: web.Application) -> None:
    """Add the linked-account routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/link-token",
                create_link_token,
                "Start linking a bank account",
                "linked accounts",
                responses={201: LinkToken},
            ),
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/linked-items",
                add_linked_item,
                "Finish linking: exchange the public token",
                "linked accounts",
                body=PublicTokenIn,
                responses={201: LinkedItemOut},
            ),
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/accounts/refresh",
                refresh_accounts,
                "Refresh balances of every linked item",
                "linked accounts",
                responses={202: SyncsStarted},
            ),
        ],
    )
