"""Every statement that writes a linked login, its accounts and their transactions.

`linked_items`, `accounts` and `transactions` are one aggregate: the worker's sync,
the internal linking API, the nightly refresh and the stuck-sync sweep all change
them through these functions, which take the caller's cursor and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.aggregation import Account, RemovedTransaction, Transaction
from shared.database import Cursor

_ROWS_PER_INSERT = 500


@dataclass(frozen=True)
class LinkedItem:
    """A linked login as the sync needs it (the token still encrypted)."""

    id: uuid.UUID
    member_id: uuid.UUID
    institution_name: str | None
    access_token_encrypted: bytes
    status: str
    sync_status: str
    last_synced_at: datetime | None
    transactions_cursor: str | None


@dataclass(frozen=True)
class AccountRow:
    """An account as the internal API shows it."""

    id: uuid.UUID
    name: str
    mask: str | None
    type: str | None
    subtype: str | None
    current_balance: Decimal | None
    available_balance: Decimal | None
    currency: str | None


async def member_exists(cur: Cursor, member_id: uuid.UUID) -> bool:
    """True when the member exists."""
    await cur.execute("SELECT 1 FROM members WHERE id = %s", (str(member_id),))
    return await cur.fetchone() is not None


async def save_item(
    cur: Cursor,
    *,
    member_id: uuid.UUID,
    provider_item_id: str,
    access_token_encrypted: bytes,
    institution_name: str | None,
) -> uuid.UUID:
    """Insert a linked login, or refresh it when the same login is linked again; its id."""
    await cur.execute(
        "INSERT INTO linked_items (id, member_id, provider_item_id, institution_name,"
        " access_token_encrypted, status, sync_status, sync_started_at)"
        " VALUES (%s, %s, %s, %s, %s, 'active', 'syncing', now())"
        " ON CONFLICT (provider_item_id) DO UPDATE SET"
        " access_token_encrypted = EXCLUDED.access_token_encrypted, status = 'active',"
        " sync_status = 'syncing', sync_started_at = now(), error_code = NULL, updated_at = now()"
        " RETURNING id",
        (
            str(uuid.uuid4()),
            str(member_id),
            provider_item_id,
            institution_name,
            access_token_encrypted.decode("ascii"),
        ),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0]))


async def get_item(cur: Cursor, linked_item_id: uuid.UUID) -> LinkedItem | None:
    """The linked login, or None."""
    await cur.execute(
        "SELECT id, member_id, institution_name, access_token_encrypted, status, sync_status,"
        " last_synced_at, transactions_cursor FROM linked_items WHERE id = %s",
        (str(linked_item_id),),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return LinkedItem(
        id=uuid.UUID(str(row[0])),
        member_id=uuid.UUID(str(row[1])),
        institution_name=row[2],
        access_token_encrypted=str(row[3]).encode("ascii"),
        status=row[4],
        sync_status=row[5],
        last_synced_at=row[6],
        transactions_cursor=row[7],
    )


async def list_accounts(cur: Cursor, linked_item_id: uuid.UUID) -> list[AccountRow]:
    """The login's accounts, by name."""
    await cur.execute(
        "SELECT id, name, mask, type, subtype, current_balance, available_balance, currency"
        " FROM accounts WHERE linked_item_id = %s ORDER BY name, id",
        (str(linked_item_id),),
    )
    return [
        AccountRow(
            id=uuid.UUID(str(r[0])),
            name=r[1],
            mask=r[2],
            type=r[3],
            subtype=r[4],
            current_balance=r[5],
            available_balance=r[6],
            currency=r[7].strip() if r[7] else None,
        )
        for r in await cur.fetchall()
    ]


async def save_accounts(
    cur: Cursor, linked_item_id: uuid.UUID, accounts: Sequence[Account]
) -> dict[str, uuid.UUID]:
    """Upsert accounts with fresh balances; provider account id -> our account id."""
    ids: dict[str, uuid.UUID] = {}
    for account in accounts:
        balances = account.balances
        await cur.execute(
            "INSERT INTO accounts (id, linked_item_id, provider_account_id, name, mask, type,"
            " subtype, current_balance, available_balance, currency, balance_updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())"
            " ON CONFLICT (provider_account_id) DO UPDATE SET name = EXCLUDED.name,"
            " mask = EXCLUDED.mask, type = EXCLUDED.type, subtype = EXCLUDED.subtype,"
            " current_balance = EXCLUDED.current_balance,"
            " available_balance = EXCLUDED.available_balance, currency = EXCLUDED.currency,"
            " balance_updated_at = now()"
            " RETURNING id",
            (
                str(uuid.uuid4()),
                str(linked_item_id),
                account.account_id,
                account.name or account.official_name or "Account",
                account.mask,
                account.type,
                account.subtype,
                balances.current,
                balances.available,
                _currency(balances.iso_currency_code),
            ),
        )
        ids[account.account_id] = uuid.UUID(str((await cur.fetchone())[0]))
    return ids


async def account_ids(cur: Cursor, linked_item_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Provider account id -> our account id, for the login's known accounts."""
    await cur.execute(
        "SELECT provider_account_id, id FROM accounts WHERE linked_item_id = %s",
        (str(linked_item_id),),
    )
    return {r[0]: uuid.UUID(str(r[1])) for r in await cur.fetchall()}


async def upsert_transactions(
    cur: Cursor, accounts: dict[str, uuid.UUID], transactions: Iterable[Transaction]
) -> int:
    """Insert or update transactions of known accounts; how many were written."""
    rows: list[tuple[Any, ...]] = [
        (
            str(uuid.uuid4()),
            str(accounts[t.account_id]),
            t.transaction_id,
            t.amount,
            _currency(t.iso_currency_code),
            t.date,
            t.merchant_name or t.name,
            t.pending,
        )
        for t in transactions
        if t.account_id in accounts
    ]
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        placeholders = ",".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        await cur.execute(
            "INSERT INTO transactions (id, account_id, provider_transaction_id, amount, currency,"  # noqa: S608 - placeholders only
            " posted_on, name, pending) VALUES " + placeholders + " ON CONFLICT"
            " (provider_transaction_id) DO UPDATE SET amount = EXCLUDED.amount,"
            " currency = EXCLUDED.currency, posted_on = EXCLUDED.posted_on,"
            " name = EXCLUDED.name, pending = EXCLUDED.pending",
            [value for row in chunk for value in row],
        )
    return len(rows)


async def delete_transactions(cur: Cursor, removed: Sequence[RemovedTransaction]) -> int:
    """Delete transactions the provider withdrew."""
    if not removed:
        return 0
    await cur.execute(
        "DELETE FROM transactions WHERE provider_transaction_id = ANY(%s)",
        ([r.transaction_id for r in removed],),
    )
    return int(cur.rowcount)


async def finish_sync(cur: Cursor, linked_item_id: uuid.UUID, cursor: str) -> None:
    """Store the cursor (only once a whole sync pass was applied) and mark the login idle."""
    await cur.execute(
        "UPDATE linked_items SET transactions_cursor = %s, sync_status = 'idle',"
        " last_synced_at = now(), error_code = NULL, updated_at = now() WHERE id = %s",
        (cursor, str(linked_item_id)),
    )


async def fail_sync(cur: Cursor, linked_item_id: uuid.UUID, error_code: str) -> None:
    """Record a sync that cannot succeed as it stands."""
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'failed', error_code = %s, updated_at = now()"
        " WHERE id = %s",
        (error_code[:100], str(linked_item_id)),
    )


async def request_sync(cur: Cursor, linked_item_id: uuid.UUID) -> str | None:
    """Mark a sync as queued; the new sync status, or None when the login is unknown."""
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'syncing', sync_started_at = now(),"
        " updated_at = now() WHERE id = %s RETURNING sync_status",
        (str(linked_item_id),),
    )
    row = await cur.fetchone()
    return str(row[0]) if row is not None else None


async def mark_needs_relink(
    cur: Cursor, linked_item_id: uuid.UUID, reason: str
) -> uuid.UUID | None:
    """Flag a working login as needing re-link; its member id when it changed, else None."""
    await cur.execute(
        "UPDATE linked_items SET status = 'needs_relink', error_code = %s, updated_at = now()"
        " WHERE id = %s AND status = 'active' RETURNING member_id",
        (reason[:100], str(linked_item_id)),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None


async def mark_repaired(cur: Cursor, linked_item_id: uuid.UUID) -> None:
    """The member fixed the login: it works again."""
    await cur.execute(
        "UPDATE linked_items SET status = 'active', error_code = NULL, updated_at = now()"
        " WHERE id = %s AND status = 'needs_relink'",
        (str(linked_item_id),),
    )


# Logins due tonight's refresh: active, not syncing, neither synced nor requested since `since`.
_DUE_TONIGHT = (
    " FROM linked_items WHERE status = 'active' AND sync_status <> 'syncing'"
    " AND (sync_started_at IS NULL OR sync_started_at < %(since)s)"
    " AND (last_synced_at IS NULL OR last_synced_at < %(since)s)"
)


async def count_due_tonight(cur: Cursor, *, since: datetime) -> int:
    """How many logins tonight's refresh has still to request."""
    await cur.execute("SELECT count(*)" + _DUE_TONIGHT, {"since": since})
    return int((await cur.fetchone())[0])


async def request_due_tonight(
    cur: Cursor, *, since: datetime, quota: int, now: datetime
) -> list[uuid.UUID]:
    """Mark up to `quota` due logins `syncing`, oldest sync first; their ids.

    SKIP LOCKED: a login the worker is updating right now waits for the next slot.
    """
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'syncing', sync_started_at = %(now)s,"  # noqa: S608 - constant
        " updated_at = %(now)s WHERE id IN (SELECT id" + _DUE_TONIGHT + " ORDER BY last_synced_at"
        " NULLS FIRST, id LIMIT %(quota)s FOR UPDATE SKIP LOCKED) RETURNING id",
        {"since": since, "quota": quota, "now": now},
    )
    return [uuid.UUID(str(row[0])) for row in await cur.fetchall()]


async def fail_stuck_syncs(
    cur: Cursor, *, now: datetime, started_before: datetime, limit: int
) -> int:
    """Fail up to `limit` syncs `syncing` since before `started_before` (`sync_timed_out`)."""
    await cur.execute(
        "UPDATE linked_items SET sync_status = 'failed', error_code = 'sync_timed_out',"
        " updated_at = %s WHERE id IN (SELECT id FROM linked_items WHERE sync_status = 'syncing'"
        " AND sync_started_at < %s ORDER BY sync_started_at LIMIT %s FOR UPDATE SKIP LOCKED)",
        (now, started_before, limit),
    )
    return int(cur.rowcount)


def _currency(code: str | None) -> str | None:
    return code.upper() if code and len(code) == 3 else None
