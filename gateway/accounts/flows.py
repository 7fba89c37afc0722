"""Linked-account flows: sync balances and transactions, react to item problems.

A sync reads fresh balances, then every transaction update since the stored
cursor (the connector pages until `has_more` is false and restarts the pass
if the data changes under it). Accounts, transactions and the new cursor are
written in the handler's one transaction, so the cursor is stored only once
the whole page loop completed and its updates were applied. Provider errors
that need the member (a login that needs re-linking) flag the login and tell
the bff with `accounts.relink_required`; transient ones are retried later.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import BaseModel

from connectors.aggregation import AccessTokenCipher, PlaidClient, TokenDecryptionError
from connectors.errors import PermanentError
from gateway.accounts import linked_items
from shared.events.accounts import (
    AccountsItemStatusReported,
    AccountsRelinkRequired,
    AccountsSynced,
    AccountsSyncRequested,
)
from shared.messaging import topology
from shared.messaging.consumer import Consumer, Handler, HandlerContext
from shared.messaging.errors import PermanentFailure

log = logging.getLogger(__name__)

QUEUE = topology.queue_by_name("gateway.accounts")
# Provider error codes that only the member can fix, by linking the login again.
RELINK_ERROR_CODES = frozenset(
    {
        "ITEM_LOGIN_REQUIRED",
        "PENDING_EXPIRATION",
        "ACCESS_NOT_GRANTED",
        "USER_PERMISSION_REVOKED",
        "INVALID_ACCESS_TOKEN",
        "ITEM_NOT_FOUND",
        "NO_ACCOUNTS",
    }
)


@dataclass(frozen=True)
class AccountsSync:
    """The sync handler's dependencies: the aggregator and the access-token cipher."""

    aggregation: PlaidClient
    cipher: AccessTokenCipher


async def sync(flow: AccountsSync, ctx: HandlerContext[AccountsSyncRequested]) -> None:
    """`accounts.sync_requested`: refresh balances and transactions, emit `accounts.synced`."""
    data = ctx.data
    item = await linked_items.get_item(ctx.cur, data.linked_item_id)
    if item is None:
        raise PermanentFailure(f"no linked item {data.linked_item_id}")
    if item.status != "active":
        await linked_items.fail_sync(ctx.cur, item.id, item.status)
        log.info("sync skipped: login not active", extra={"status": item.status})
        return
    try:
        access_token = flow.cipher.decrypt(item.access_token_encrypted)
    except TokenDecryptionError:
        await linked_items.fail_sync(ctx.cur, item.id, "token_undecryptable")
        raise PermanentFailure("stored access token cannot be decrypted") from None
    try:
        accounts = await flow.aggregation.get_balances(access_token)
        result = await flow.aggregation.sync_transactions(access_token, item.transactions_cursor)
    except PermanentError as exc:
        code = exc.code or type(exc).__name__
        await linked_items.fail_sync(ctx.cur, item.id, code)
        if exc.code in RELINK_ERROR_CODES:
            await _needs_relink(ctx, item.id, code)
        log.warning("sync refused by the provider", extra={"code": code})
        return
    account_ids = await linked_items.save_accounts(ctx.cur, item.id, accounts)
    account_ids = {**await linked_items.account_ids(ctx.cur, item.id), **account_ids}
    written = await linked_items.upsert_transactions(
        ctx.cur, account_ids, [*result.added, *result.modified]
    )
    removed = await linked_items.delete_transactions(ctx.cur, result.removed)
    await linked_items.finish_sync(ctx.cur, item.id, result.next_cursor)
    await ctx.emit(
        AccountsSynced(
            linked_item_id=item.id,
            member_id=item.member_id,
            accounts=len(accounts),
            transactions_added=min(written, len(result.added)),
            transactions_modified=len(result.modified),
            transactions_removed=removed,
        ),
        name="accounts.synced",
    )


async def item_status(ctx: HandlerContext[AccountsItemStatusReported]) -> None:
    """`accounts.item_status_reported`: flag (or clear) the login's need to be re-linked."""
    data = ctx.data
    if data.webhook_code == "LOGIN_REPAIRED":
        await linked_items.mark_repaired(ctx.cur, data.linked_item_id)
        return
    await _needs_relink(ctx, data.linked_item_id, data.error_code or data.webhook_code)


async def _needs_relink(ctx: HandlerContext[Any], linked_item_id: uuid.UUID, reason: str) -> None:
    member_id = await linked_items.mark_needs_relink(ctx.cur, linked_item_id, reason)
    if member_id is not None:
        await ctx.emit(
            AccountsRelinkRequired(
                linked_item_id=linked_item_id, member_id=member_id, reason=reason
            ),
            name="accounts.relink_required",
        )


def consumers(aggregation: PlaidClient, cipher: AccessTokenCipher) -> list[Consumer]:
    """The accounts consumer; it calls the aggregator, so one message at a time."""
    handlers: dict[type[BaseModel], Handler] = {
        AccountsSyncRequested: partial(sync, AccountsSync(aggregation, cipher)),
        AccountsItemStatusReported: item_status,
    }
    return [Consumer(QUEUE, handlers, batch_size=1)]
