"""A Calendly-shaped client for webhook subscriptions: create, list, read state, delete.

Bearer-token auth. Creating a subscription is not idempotent (a second one
with the same URL is refused with 409), so it is retried only after failures
that prove the request was not processed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.bookings.config import SchedulingConfig
from connectors.bookings.models import (
    SubscriptionEvent,
    SubscriptionScope,
    WebhookSubscription,
    WebhookSubscriptionPage,
)
from connectors.http import ProviderHttp, build_http_client, read_model
from connectors.policy import ProviderPolicy

PROVIDER = "calendly"


class _Resource(BaseModel):
    model_config = ConfigDict(extra="ignore")

    resource: WebhookSubscription


class _Pagination(BaseModel):
    model_config = ConfigDict(extra="ignore")

    next_page_token: str | None = None


class _Collection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    collection: list[WebhookSubscription]
    pagination: _Pagination = _Pagination()


class CalendlyClient:
    """Manages the webhook subscriptions that deliver booking events to the gateway."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: SchedulingConfig,
        *,
        policy: ProviderPolicy | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._http = ProviderHttp(http, provider=PROVIDER, settings=config.http)
        self._base = config.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"CalendlyClient(base_url={self.config.base_url!r})"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.api_token.get_secret_value()}"}

    async def create_webhook_subscription(
        self,
        *,
        url: str,
        events: Iterable[SubscriptionEvent],
        organization: str,
        scope: SubscriptionScope,
        user: str | None = None,
        group: str | None = None,
        signing_key: SecretStr | None = None,
    ) -> WebhookSubscription:
        """Subscribe `url` to `events` for an organization, user or group."""
        operation = "webhook_subscriptions.create"
        body: dict[str, Any] = {
            "url": url,
            "events": [event.value for event in events],
            "organization": organization,
            "scope": scope.value,
        }
        if user is not None:
            body["user"] = user
        if group is not None:
            body["group"] = group
        if signing_key is not None:
            body["signing_key"] = signing_key.get_secret_value()

        async def attempt() -> WebhookSubscription:
            response = await self._http.request(
                operation,
                "POST",
                f"{self._base}/webhook_subscriptions",
                json=body,
                headers=self._headers(),
            )
            return read_model(response, _Resource, PROVIDER, operation).resource

        return await self.policy.run(operation, attempt, idempotent=False)

    async def list_webhook_subscriptions(
        self,
        *,
        organization: str,
        scope: SubscriptionScope,
        user: str | None = None,
        group: str | None = None,
        count: int = 100,
        page_token: str | None = None,
    ) -> WebhookSubscriptionPage:
        """One page of subscriptions; pass `next_page_token` back for the next one."""
        operation = "webhook_subscriptions.list"
        params: dict[str, str | int] = {
            "organization": organization,
            "scope": scope.value,
            "count": count,
        }
        for name, value in (("user", user), ("group", group), ("page_token", page_token)):
            if value is not None:
                params[name] = value

        async def attempt() -> WebhookSubscriptionPage:
            response = await self._http.request(
                operation,
                "GET",
                f"{self._base}/webhook_subscriptions",
                params=params,
                headers=self._headers(),
            )
            page = read_model(response, _Collection, PROVIDER, operation)
            return WebhookSubscriptionPage(
                collection=page.collection, next_page_token=page.pagination.next_page_token
            )

        return await self.policy.run(operation, attempt)

    async def get_webhook_subscription(self, uuid: str) -> WebhookSubscription:
        """One subscription, to read its `state` (active or disabled)."""
        operation = "webhook_subscriptions.get"
        url = f"{self._base}/webhook_subscriptions/{quote(uuid, safe='')}"

        async def attempt() -> WebhookSubscription:
            response = await self._http.request(operation, "GET", url, headers=self._headers())
            return read_model(response, _Resource, PROVIDER, operation).resource

        return await self.policy.run(operation, attempt)

    async def delete_webhook_subscription(self, uuid: str) -> None:
        """Remove a subscription (deleting twice answers 404, a `PermanentError`)."""
        operation = "webhook_subscriptions.delete"
        url = f"{self._base}/webhook_subscriptions/{quote(uuid, safe='')}"

        async def attempt() -> None:
            await self._http.request(operation, "DELETE", url, headers=self._headers())

        await self.policy.run(operation, attempt)


@asynccontextmanager
async def open_scheduling_client(
    config: SchedulingConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: ProviderPolicy | None = None,
) -> AsyncIterator[CalendlyClient]:
    """A client with its own HTTP connection pool, closed on exit."""
    async with build_http_client(config.http, transport=transport) as http:
        yield CalendlyClient(http, config, policy=policy)
