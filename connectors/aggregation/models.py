"""What the aggregation provider returns: link tokens, items, balances, transactions, keys.

Money is `Decimal` (the client parses JSON numbers with fractions as Decimal,
never float). Access tokens are `SecretStr`; account masks and transaction
descriptions stay out of reprs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from shared.storable_text import StorableText


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class LinkToken(_Model):
    """A short-lived token the webapp opens the provider's account-linking UI with."""

    link_token: str = Field(repr=False)
    expiration: dt.datetime
    # The provider's hosted page for this token (we always ask for Hosted Link).
    hosted_link_url: str = Field(repr=False)
    request_id: str | None = None


class ItemAccess(_Model):
    """A linked login (Item) and the access token to read it; store the token encrypted."""

    item_id: str
    access_token: SecretStr
    request_id: str | None = None


class Balances(_Model):
    """An account's balances in its currency."""

    available: Decimal | None = None
    current: Decimal | None = None
    limit: Decimal | None = None
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None
    last_updated_datetime: dt.datetime | None = None


class Account(_Model):
    """One account of a linked login, with fresh balances."""

    account_id: str
    name: str | None = None
    official_name: str | None = None
    mask: str | None = Field(default=None, repr=False)
    type: str | None = None
    subtype: str | None = None
    balances: Balances


class PersonalFinanceCategory(_Model):
    """The provider's categorisation of a transaction."""

    primary: str
    detailed: str | None = None


class Transaction(_Model):
    """A posted or pending transaction; a positive amount is money leaving the account."""

    transaction_id: str
    account_id: str
    amount: Decimal
    iso_currency_code: str | None = None
    unofficial_currency_code: str | None = None
    date: dt.date
    authorized_date: dt.date | None = None
    name: str | None = Field(default=None, repr=False)
    merchant_name: str | None = None
    pending: bool = False
    pending_transaction_id: str | None = None
    personal_finance_category: PersonalFinanceCategory | None = None


class RemovedTransaction(_Model):
    """A transaction the provider withdrew (for example a pending one that posted)."""

    transaction_id: str
    account_id: str | None = None


class TransactionsSyncPage(_Model):
    """One `/transactions/sync` response."""

    added: list[Transaction] = []
    modified: list[Transaction] = []
    removed: list[RemovedTransaction] = []
    next_cursor: str
    has_more: bool
    request_id: str | None = None


class TransactionsSyncResult(_Model):
    """Every update since the cursor, and the cursor to persist once they are applied."""

    added: list[Transaction]
    modified: list[Transaction]
    removed: list[RemovedTransaction]
    next_cursor: str
    pages: int
    restarts: int


class WebhookVerificationKey(_Model):
    """A JSON Web Key the provider signs webhooks with; `expired_at` set once rotated out."""

    alg: str
    crv: str
    kid: str
    kty: str
    use: str
    x: str
    y: str
    created_at: int
    expired_at: int | None = None

    def jwk(self) -> dict[str, Any]:
        """The key as a JWK dict for PyJWT."""
        return {
            "alg": self.alg,
            "crv": self.crv,
            "kid": self.kid,
            "kty": self.kty,
            "use": self.use,
            "x": self.x,
            "y": self.y,
        }


class WebhookError(_Model):
    """The `error` of an item webhook: only its code is read."""

    error_code: StorableText | None = None


class AggregationWebhook(_Model):
    """A verified webhook body: what we route on (the raw body is stored as sent).

    Text fields are `StorableText`: they become keys and columns in Postgres.
    """

    webhook_type: StorableText
    webhook_code: StorableText
    item_id: StorableText | None = None
    error: WebhookError | None = None
