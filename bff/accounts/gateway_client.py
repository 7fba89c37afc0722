"""The gateway's internal API, as the bff calls it (one `httpx.AsyncClient` per app).

The bff never calls a provider: linking bank accounts goes through the gateway,
which holds the aggregation credentials and stores items and accounts. Failures
become `GatewayError`s that routes turn into 502 (the gateway answered badly),
503 (it could not be reached in time) or 422 (it refused the input), never a 500.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx
from aiohttp import web
from pydantic import BaseModel, ValidationError

from bff.members import LinkedItemOut
from shared.web.keys import SETTINGS

TIMEOUT = httpx.Timeout(10.0, connect=2.0)
M = TypeVar("M", bound=BaseModel)


class LinkToken(BaseModel):
    """A short-lived token the console opens the bank-linking flow with."""

    link_token: str
    link_url: str
    expiration: datetime


class SyncStarted(BaseModel):
    """The gateway accepted a sync of one linked item."""

    linked_item_id: uuid.UUID
    sync_status: str


class GatewayError(Exception):
    """The gateway could not do what was asked; `status` is what the bff answers."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


class GatewayClient:
    """Typed calls to `/internal/v1` with the service bearer token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _post(self, path: str, body: dict[str, Any], model: type[M]) -> M:
        try:
            response = await self._http.post(path, json=body)
        except httpx.TimeoutException:
            raise GatewayError(
                503, "Service Unavailable", "The gateway did not answer in time."
            ) from None
        except httpx.TransportError:
            raise GatewayError(503, "Service Unavailable", "The gateway is unreachable.") from None
        if response.status_code in (400, 404, 409, 422):
            raise GatewayError(422, "Unprocessable Content", _gateway_detail(response))
        if response.status_code == 429 or response.status_code >= 500:
            raise GatewayError(
                503 if response.status_code in (429, 503) else 502,
                "Service Unavailable" if response.status_code in (429, 503) else "Bad Gateway",
                "The bank-linking service failed; try again shortly.",
            )
        if response.status_code >= 300:
            raise GatewayError(502, "Bad Gateway", "The gateway refused the bff's request.")
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise GatewayError(
                502, "Bad Gateway", "The gateway answered in an unknown shape."
            ) from None

    async def create_link_token(self, member_id: uuid.UUID) -> LinkToken:
        """A link token for the member's bank-linking flow."""
        return await self._post(f"/internal/v1/members/{member_id}/link-token", {}, LinkToken)

    async def add_linked_item(self, member_id: uuid.UUID, public_token: str) -> LinkedItemOut:
        """Exchange the public token; the gateway stores the item and its accounts."""
        return await self._post(
            f"/internal/v1/members/{member_id}/linked-items",
            {"public_token": public_token},
            LinkedItemOut,
        )

    async def sync_linked_item(self, linked_item_id: uuid.UUID) -> SyncStarted:
        """Ask the gateway to refresh one item's balances and transactions."""
        return await self._post(f"/internal/v1/linked-items/{linked_item_id}/sync", {}, SyncStarted)


GATEWAY = web.AppKey("gateway_client", GatewayClient)


def gateway_client_context(
    transport: httpx.AsyncBaseTransport | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """`cleanup_ctx`: the app's one client of the gateway (`transport` is the tests' seam)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        token = settings.internal_service_token.get_secret_value()
        async with httpx.AsyncClient(
            base_url=settings.gateway_internal_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
            transport=transport,
        ) as http:
            app[GATEWAY] = GatewayClient(http)
            yield

    return context


def _gateway_detail(response: httpx.Response) -> str:
    """The gateway's problem title/detail, when it sent one (never raw bodies)."""
    try:
        body = response.json()
    except ValueError:
        return "The gateway refused the request."
    if isinstance(body, dict):
        text = body.get("detail") or body.get("title")
        if isinstance(text, str):
            return text[:300]
    return "The gateway refused the request."
