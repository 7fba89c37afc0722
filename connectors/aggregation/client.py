"""A Plaid-shaped aggregation client: link tokens, token exchange, balances, transactions sync.

Every endpoint is a JSON `POST`; credentials travel in the `PLAID-CLIENT-ID`
and `PLAID-SECRET` headers (never in a body that could be logged). Errors
are read from the body's `error_type` / `error_code` rather than the status
alone. Plaid's published rate limits are kept per linked login (Item) and
per client (`AggregationConfig.item_rate_limits`, `client_rate_limits`;
shared by every replica when the policy has a shared limiter): beyond a
per-Item limit the call raises `RateLimited` with the wait, so the job
re-queues.

`sync_transactions` pages with the cursor while `has_more`; when the provider
reports `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` it throws the pages
away and restarts from the cursor it started with. The cursor to persist is
returned only once a whole pass has completed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.aggregation.config import AggregationConfig
from connectors.aggregation.models import (
    Account,
    ItemAccess,
    LinkToken,
    RemovedTransaction,
    Transaction,
    TransactionsSyncPage,
    TransactionsSyncResult,
    WebhookVerificationKey,
)
from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)
from connectors.http import (
    ProviderHttp,
    build_http_client,
    error_for_status,
    parse_retry_after,
    read_json,
    read_model,
)
from connectors.policy import ProviderPolicy
from connectors.rate_limit import DeclaredLimit, Quota

log = logging.getLogger(__name__)

PROVIDER = "plaid"
SYNC_MUTATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
LIMITS_SOURCE = "plaid.com/docs/errors/rate-limit-exceeded (Production)"
_AUTH_CODES = frozenset(
    {"INVALID_API_KEYS", "UNAUTHORIZED_ENVIRONMENT", "UNAUTHORIZED_ROUTE_ACCESS"}
)


def _classify(response: httpx.Response, operation: str) -> ConnectorError | None:
    """Read `{"error_type", "error_code", ...}`; messages are dropped (they can hold PII)."""
    try:
        body = read_json(response)
        error_type = str(body.get("error_type") or "")
        code = str(body.get("error_code") or "") or None
    except (ValueError, AttributeError):
        return None
    status = response.status_code
    if error_type == "RATE_LIMIT_EXCEEDED" or status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(PROVIDER, operation, retry_after=retry_after, status=status, code=code)
    if code in _AUTH_CODES:
        return AuthenticationError(PROVIDER, operation, status=status, code=code)
    if error_type in ("API_ERROR", "INSTITUTION_ERROR"):
        # Plaid's own outages and a bank that is down: both worth retrying later.
        return TransientError(
            PROVIDER, operation, status=status, code=code, ambiguous=status != 503
        )
    return error_for_status(response, PROVIDER, operation, code=code)


def _login_key(access_token: SecretStr) -> str:
    # The limiter is keyed per linked login without keeping the token itself in memory.
    return hashlib.sha256(access_token.get_secret_value().encode()).hexdigest()[:32]


class _Balances(BaseModel):
    model_config = ConfigDict(extra="ignore")

    accounts: list[Account]


class _ItemInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    institution_id: str | None = None


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item: _ItemInfo


class _InstitutionInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


class _Institution(BaseModel):
    model_config = ConfigDict(extra="ignore")

    institution: _InstitutionInfo


class _VerificationKey(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: WebhookVerificationKey


class PlaidClient:
    """Talks to a Plaid-shaped provider (or its simulator)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: AggregationConfig,
        *,
        policy: ProviderPolicy | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._http = ProviderHttp(http, provider=PROVIDER, settings=config.http, classify=_classify)
        self._base = config.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"PlaidClient(base_url={self.config.base_url!r})"

    def _quotas(self, operation: str, access_token: SecretStr | None) -> list[Quota]:
        quotas = []
        per_item = self.config.item_rate_limits.get(operation)
        if per_item is not None and access_token is not None:
            bucket = f"{operation}:item:{_login_key(access_token)}"
            quotas.append(Quota(bucket, per_item, max_wait=0.0))
        per_client = self.config.client_rate_limits.get(operation)
        if per_client is not None:
            quotas.append(Quota(f"{operation}:client", per_client))
        return quotas

    def declared_limits(self) -> list[DeclaredLimit]:
        """The provider limits this client keeps to, for the ops page."""
        return [
            *(
                DeclaredLimit(PROVIDER, op, "per linked login", rate, LIMITS_SOURCE)
                for op, rate in self.config.item_rate_limits.items()
            ),
            *(
                DeclaredLimit(PROVIDER, op, "per account", rate, LIMITS_SOURCE)
                for op, rate in self.config.client_rate_limits.items()
            ),
        ]

    async def _post(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        *,
        idempotent: bool = True,
        access_token: SecretStr | None = None,
    ) -> httpx.Response:
        headers = {
            "PLAID-CLIENT-ID": self.config.client_id,
            "PLAID-SECRET": self.config.secret.get_secret_value(),
        }

        async def attempt() -> httpx.Response:
            return await self._http.request(
                operation, "POST", f"{self._base}{path}", json=body, headers=headers
            )

        return await self.policy.run(
            operation,
            attempt,
            idempotent=idempotent,
            quotas=self._quotas(operation, access_token),
        )

    async def create_link_token(
        self, client_user_id: str, *, redirect_uri: str | None = None
    ) -> LinkToken:
        """`/link/token/create` for one member (`client_user_id` is our opaque member id)."""
        operation = "link.token.create"
        body: dict[str, Any] = {
            "client_name": self.config.client_name,
            "language": self.config.language,
            "country_codes": list(self.config.country_codes),
            "products": list(self.config.products),
            "user": {"client_user_id": client_user_id},
            # Hosted Link: the provider serves the linking UI at `hosted_link_url`.
            "hosted_link": {},
        }
        if self.config.webhook_url:
            body["webhook"] = self.config.webhook_url
        if redirect_uri:
            body["redirect_uri"] = redirect_uri
        response = await self._post(operation, "/link/token/create", body)
        return read_model(response, LinkToken, PROVIDER, operation)

    async def exchange_public_token(self, public_token: str) -> ItemAccess:
        """`/item/public_token/exchange`: the access token of the login the member linked."""
        operation = "item.public_token.exchange"
        response = await self._post(
            operation,
            "/item/public_token/exchange",
            {"public_token": public_token},
            idempotent=False,
        )
        return read_model(response, ItemAccess, PROVIDER, operation)

    async def get_balances(
        self, access_token: SecretStr, *, account_ids: Sequence[str] | None = None
    ) -> list[Account]:
        """`/accounts/balance/get`: real-time balances, limited per linked login."""
        operation = "accounts.balance.get"
        body: dict[str, Any] = {"access_token": access_token.get_secret_value()}
        if account_ids:
            body["options"] = {"account_ids": list(account_ids)}
        response = await self._post(
            operation, "/accounts/balance/get", body, access_token=access_token
        )
        return read_model(response, _Balances, PROVIDER, operation).accounts

    async def get_institution_name(self, access_token: SecretStr) -> str | None:
        """The name of the bank behind a linked login (`/item/get`, `/institutions/get_by_id`).

        None when the provider does not say which institution the login belongs to.
        """
        operation = "item.get"
        response = await self._post(
            operation,
            "/item/get",
            {"access_token": access_token.get_secret_value()},
            access_token=access_token,
        )
        institution_id = read_model(response, _Item, PROVIDER, operation).item.institution_id
        if not institution_id:
            return None
        operation = "institutions.get_by_id"
        response = await self._post(
            operation,
            "/institutions/get_by_id",
            {"institution_id": institution_id, "country_codes": list(self.config.country_codes)},
        )
        return read_model(response, _Institution, PROVIDER, operation).institution.name

    async def sync_transactions(
        self, access_token: SecretStr, cursor: str | None = None
    ) -> TransactionsSyncResult:
        """`/transactions/sync` from `cursor` to the end; persist `next_cursor` after applying."""
        operation = "transactions.sync"
        restarts = 0
        while True:
            try:
                return await self._sync_pass(access_token, cursor, restarts)
            except PermanentError as exc:
                if exc.code != SYNC_MUTATION:
                    raise
                restarts += 1
                if restarts > self.config.max_sync_restarts:
                    raise TransientError(
                        PROVIDER, operation, "data kept changing during pagination", code=exc.code
                    ) from None
                log.info(
                    "restarting transactions sync after a mutation during pagination",
                    extra={"provider": PROVIDER, "restarts": restarts},
                )

    async def _sync_pass(
        self, access_token: SecretStr, cursor: str | None, restarts: int
    ) -> TransactionsSyncResult:
        operation = "transactions.sync"
        added: list[Transaction] = []
        modified: list[Transaction] = []
        removed: list[RemovedTransaction] = []
        page_cursor = cursor
        pages = 0
        while True:
            body: dict[str, Any] = {
                "access_token": access_token.get_secret_value(),
                "count": self.config.sync_page_size,
            }
            if page_cursor is not None:
                body["cursor"] = page_cursor
            response = await self._post(
                operation, "/transactions/sync", body, access_token=access_token
            )
            page = read_model(response, TransactionsSyncPage, PROVIDER, operation)
            pages += 1
            added.extend(page.added)
            modified.extend(page.modified)
            removed.extend(page.removed)
            page_cursor = page.next_cursor
            if not page.has_more:
                return TransactionsSyncResult(
                    added=added,
                    modified=modified,
                    removed=removed,
                    next_cursor=page.next_cursor,
                    pages=pages,
                    restarts=restarts,
                )

    async def get_webhook_verification_key(self, key_id: str) -> WebhookVerificationKey:
        """`/webhook_verification_key/get`: the public key (JWK) a webhook JWT names by `kid`."""
        operation = "webhook_verification_key.get"
        response = await self._post(operation, "/webhook_verification_key/get", {"key_id": key_id})
        return read_model(response, _VerificationKey, PROVIDER, operation).key


@asynccontextmanager
async def open_aggregation_client(
    config: AggregationConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: ProviderPolicy | None = None,
) -> AsyncIterator[PlaidClient]:
    """A client with its own HTTP connection pool, closed on exit."""
    async with build_http_client(config.http, transport=transport) as http:
        yield PlaidClient(http, config, policy=policy)
