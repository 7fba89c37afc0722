"""`POST /webhooks/plaid`: transactions and item webhooks of the aggregator.

Verified with the `Plaid-Verification` JWT (ES256 over the body's SHA-256,
key fetched through the aggregation client and cached). The provider sends no
event id, so the dedupe key is the SHA-256 of the JWT: an exact redelivery is
stored once, while a later webhook with the same body (new JWT) is a new event.
`SYNC_UPDATES_AVAILABLE` requests a sync; item errors and pending
disconnects are reported for the worker to mark the login.
"""

from __future__ import annotations

import hashlib
import math
import uuid

from aiohttp import web
from pydantic import ValidationError

from connectors.aggregation import VERIFICATION_HEADER, AggregationWebhook
from connectors.errors import ConnectorError, RateLimited, WebhookVerificationError
from gateway.providers import PROVIDERS
from gateway.webhooks.events import store_event
from gateway.webhooks.intake import (
    acknowledged,
    read_body,
    refuse,
    unreadable,
)
from shared.database import Cursor, transaction
from shared.events.accounts import AccountsItemStatusReported, AccountsSyncRequested
from shared.messaging import outbox
from shared.web.keys import POOL
from shared.web.problems import problem_response
from shared.web.producing import event_for_request

PROVIDER = "plaid"
SYNC_CODES = frozenset({("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE")})
# Item webhooks that change whether a login works (LOGIN_REPAIRED clears the flag).
ITEM_STATUS_CODES = frozenset(
    {
        "ERROR",
        "PENDING_DISCONNECT",
        "PENDING_EXPIRATION",
        "USER_PERMISSION_REVOKED",
        "USER_ACCOUNT_REVOKED",
        "LOGIN_REPAIRED",
    }
)


async def receive(request: web.Request) -> web.Response:
    """Verify, store once, emit the follow-up event, answer 200."""
    body = await read_body(request)
    token = request.headers.get(VERIFICATION_HEADER)
    try:
        await request.app[PROVIDERS].plaid_webhooks.verify(token, body)
    except WebhookVerificationError as exc:
        return refuse(request, PROVIDER, str(exc))
    except ConnectorError as exc:
        # The key could not be fetched right now (provider down, or our look-up budget
        # spent by forged webhooks): 503 so the provider delivers again later.
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return problem_response(
            503,
            "Service Unavailable",
            detail=f"webhook key unavailable ({type(exc).__name__})",
            headers={"Retry-After": str(max(1, math.ceil(retry_after or 30)))},
        )
    assert token is not None  # verify() refuses a missing token
    try:
        hook = AggregationWebhook.model_validate_json(body, strict=True)
    except ValidationError:
        return unreadable(PROVIDER, "not a webhook body")
    webhook_type, webhook_code = hook.webhook_type, hook.webhook_code
    key = "jwt:" + hashlib.sha256(token.encode()).hexdigest()
    async with transaction(request.app[POOL]) as cur:
        stored = await store_event(
            cur,
            provider=PROVIDER,
            key=key,
            event_type=f"{webhook_type}.{webhook_code}"[:100],
            payload=body,
        )
        if stored is not None and hook.item_id is not None:
            await _emit(cur, request, hook, hook.item_id)
    return acknowledged(request, PROVIDER, stored is not None)


async def _emit(cur: Cursor, request: web.Request, hook: AggregationWebhook, item_id: str) -> None:
    await cur.execute("SELECT id FROM linked_items WHERE provider_item_id = %s", (item_id,))
    row = await cur.fetchone()
    if row is None:
        return  # not one of ours (or linked through another environment): stored only
    linked_item_id = uuid.UUID(str(row[0]))
    webhook_type, webhook_code = hook.webhook_type, hook.webhook_code
    if (webhook_type, webhook_code) in SYNC_CODES:
        sync = AccountsSyncRequested(linked_item_id=linked_item_id, reason="webhook")
        await outbox.add(cur, event_for_request(request, sync, name="accounts.sync_requested"))
    elif webhook_type == "ITEM" and webhook_code in ITEM_STATUS_CODES:
        error_code = hook.error.error_code if hook.error is not None else None
        error_code = error_code[:100] if error_code else None
        reported = AccountsItemStatusReported(
            linked_item_id=linked_item_id, webhook_code=webhook_code[:100], error_code=error_code
        )
        await outbox.add(
            cur, event_for_request(request, reported, name="accounts.item_status_reported")
        )
