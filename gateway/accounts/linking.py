"""Account linking for the bff: link tokens, public-token exchange, sync requests."""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from connectors.aggregation import Account
from connectors.errors import ConnectorError, PermanentError
from gateway.accounts import linked_items
from gateway.accounts.models import (
    AccountOut,
    ExchangePublicToken,
    LinkedItemOut,
    LinkTokenCreated,
    SyncAccepted,
)
from gateway.internal.auth import require_service_token
from gateway.internal.provider_errors import provider_problem
from gateway.providers import PROVIDERS
from shared.database import Cursor, connection_cursor, transaction
from shared.events.accounts import AccountsSyncRequested
from shared.messaging import outbox
from shared.web.client_limits import read_body_bytes
from shared.web.keys import POOL
from shared.web.problems import problem_response
from shared.web.producing import event_for_request

log = logging.getLogger(__name__)

# A public token the provider refuses is the caller's mistake, not a provider failure.
REFUSED_PUBLIC_TOKEN_CODES = frozenset({"INVALID_PUBLIC_TOKEN", "INVALID_INPUT"})


def _path_uuid(request: web.Request, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound() from None


def _not_found(what: str) -> web.Response:
    return problem_response(404, "Not Found", detail=f"no such {what}")


def _json(model: LinkTokenCreated | LinkedItemOut | SyncAccepted, status: int) -> web.Response:
    return web.Response(
        status=status, body=model.model_dump_json().encode(), content_type="application/json"
    )


@require_service_token
async def create_link_token(request: web.Request) -> web.Response:
    """`POST /internal/v1/members/{member_id}/link-token` -> 201 LinkTokenCreated."""
    member_id = _path_uuid(request, "member_id")
    async with connection_cursor(request.app[POOL]) as cur:
        if not await linked_items.member_exists(cur, member_id):
            return _not_found("member")
    try:
        token = await request.app[PROVIDERS].aggregation.create_link_token(str(member_id))
    except ConnectorError as exc:
        return provider_problem(exc)
    body = LinkTokenCreated(
        link_token=token.link_token,
        link_url=token.hosted_link_url,
        expiration=token.expiration,
    )
    return _json(body, 201)


@require_service_token
async def exchange_public_token(request: web.Request) -> web.Response:
    """`POST /internal/v1/members/{member_id}/linked-items` -> 201 LinkedItemOut.

    The balances are fetched right away so the screen has accounts to show;
    transactions follow through `accounts.sync_requested`. When the balance
    call fails after a successful exchange the login is still stored (its
    access token cannot be had again) and the sync fills the accounts in.
    """
    member_id = _path_uuid(request, "member_id")
    raw = await read_body_bytes(request)
    if request.content_type != "application/json":
        return problem_response(
            415, "Unsupported Media Type", detail="Send the body as application/json."
        )
    body = ExchangePublicToken.model_validate_json(raw)
    pool = request.app[POOL]
    async with connection_cursor(pool) as cur:
        if not await linked_items.member_exists(cur, member_id):
            return _not_found("member")
    providers = request.app[PROVIDERS]
    try:
        access = await providers.aggregation.exchange_public_token(body.public_token)
    except PermanentError as exc:
        if exc.code in REFUSED_PUBLIC_TOKEN_CODES:
            return problem_response(
                422, "Invalid request", detail="the public token was refused", error_code=exc.code
            )
        return provider_problem(exc)
    except ConnectorError as exc:
        return provider_problem(exc)
    accounts: list[Account] = []
    try:
        accounts = await providers.aggregation.get_balances(access.access_token)
    except ConnectorError as exc:
        log.warning(
            "balances unavailable after exchange; the sync will fetch them",
            extra={"error_type": type(exc).__name__, "code": exc.code},
        )
    institution_name: str | None = None
    try:
        institution_name = await providers.aggregation.get_institution_name(access.access_token)
    except ConnectorError as exc:  # the login works without its bank's name
        log.warning(
            "institution name unavailable after exchange",
            extra={"error_type": type(exc).__name__, "code": exc.code},
        )
    async with transaction(pool) as cur:
        item_id = await linked_items.save_item(
            cur,
            member_id=member_id,
            provider_item_id=access.item_id,
            access_token_encrypted=providers.cipher.encrypt(access.access_token),
            institution_name=institution_name,
        )
        await linked_items.save_accounts(cur, item_id, accounts)
        sync = AccountsSyncRequested(linked_item_id=item_id, reason="link")
        await outbox.add(cur, event_for_request(request, sync, name="accounts.sync_requested"))
        view = await _view(cur, item_id)
    assert view is not None
    return _json(view, 201)


@require_service_token
async def request_sync(request: web.Request) -> web.Response:
    """`POST /internal/v1/linked-items/{linked_item_id}/sync` -> 202 SyncAccepted."""
    item_id = _path_uuid(request, "linked_item_id")
    async with transaction(request.app[POOL]) as cur:
        sync_status = await linked_items.request_sync(cur, item_id)
        if sync_status is None:
            return _not_found("linked item")
        sync = AccountsSyncRequested(linked_item_id=item_id, reason="manual")
        await outbox.add(cur, event_for_request(request, sync, name="accounts.sync_requested"))
    return _json(SyncAccepted(linked_item_id=item_id, sync_status="syncing"), 202)


async def _view(cur: Cursor, item_id: uuid.UUID) -> LinkedItemOut | None:
    item = await linked_items.get_item(cur, item_id)
    if item is None:
        return None
    accounts = await linked_items.list_accounts(cur, item_id)
    # Validated rather than constructed: the columns' CHECKs match the status Literals.
    return LinkedItemOut.model_validate(
        {
            "id": item.id,
            "institution_name": item.institution_name,
            "status": item.status,
            "sync_status": item.sync_status,
            "last_synced_at": item.last_synced_at,
            "accounts": [AccountOut(**account.__dict__) for account in accounts],
        }
    )
