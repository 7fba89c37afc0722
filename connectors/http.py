"""HTTP for connectors: one `httpx.AsyncClient` per connector and one mapping of failures.

`build_http_client` makes the client a connector owns for its whole life
(connect timeout, overall timeout, connection limits); whoever builds it
closes it on shutdown. `ProviderHttp.request` sends one attempt under a total
deadline and turns statuses, timeouts and connection errors into
`connectors.errors`, with an optional provider hook for error bodies that say
more than the status does (Plaid's `error_code`, for instance).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
    UnexpectedResponse,
)

M = TypeVar("M", bound=BaseModel)

# A provider's own reading of an error response; None falls back to the status mapping.
Classifier = Callable[[httpx.Response, str], ConnectorError | None]


class HttpSettings(BaseModel):
    """Timeouts and pool size of one connector's HTTP client."""

    model_config = ConfigDict(frozen=True)

    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    total_timeout_seconds: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=50, ge=1)


def build_http_client(
    settings: HttpSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A client for one connector; close it with `aclose()` when the process stops."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.total_timeout_seconds, connect=settings.connect_timeout_seconds
        ),
        limits=httpx.Limits(
            max_connections=settings.max_connections,
            max_keepalive_connections=settings.max_connections,
        ),
        transport=transport,
        follow_redirects=False,
    )


@dataclass
class RequestProgress:
    """Whether a request began to go out: set as the first header byte is about to be written.

    A caller cancelled mid-call reads it to know which side of the line it is on:
    not written means the provider cannot have seen the request (a claim may be
    released); written means the outcome is unknown.
    """

    written: bool = False

    async def trace(self, event_name: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` extension hook."""
        if event_name.endswith("send_request_headers.started"):
            self.written = True


class ProviderHttp:
    """Sends single attempts to one provider and maps every failure onto our hierarchy."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        provider: str,
        settings: HttpSettings,
        classify: Classifier | None = None,
    ) -> None:
        self.client = client
        self.provider = provider
        self.settings = settings
        self._classify = classify

    async def request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        progress: RequestProgress | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request and return a 2xx response, or raise a `ConnectorError`."""
        provider = self.provider
        if progress is not None:
            kwargs["extensions"] = {**kwargs.get("extensions", {}), "trace": progress.trace}
        try:
            async with asyncio.timeout(self.settings.total_timeout_seconds):
                response = await self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left this process: safe to retry even when not idempotent.
            raise TransientError(provider, operation, type(exc).__name__) from None
        except httpx.TimeoutException as exc:
            raise TransientError(provider, operation, type(exc).__name__, ambiguous=True) from None
        except TimeoutError:
            raise TransientError(provider, operation, "total timeout", ambiguous=True) from None
        except httpx.TransportError as exc:
            raise TransientError(provider, operation, type(exc).__name__, ambiguous=True) from None
        if response.is_success:
            return response
        if self._classify is not None:
            error = self._classify(response, operation)
            if error is not None:
                raise error
        raise error_for_status(response, provider, operation)


def error_for_status(
    response: httpx.Response, provider: str, operation: str, *, code: str | None = None
) -> ConnectorError:
    """The default reading of a non-2xx status."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status in (401, 403):
        return AuthenticationError(provider, operation, status=status, code=code)
    if status == 429 or (status == 503 and retry_after is not None):
        return RateLimited(provider, operation, retry_after=retry_after, status=status, code=code)
    if status == 503:
        return TransientError(provider, operation, status=status, code=code)
    if status == 408 or status >= 500:
        return TransientError(provider, operation, status=status, code=code, ambiguous=True)
    return PermanentError(provider, operation, status=status, code=code)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def read_json(response: httpx.Response) -> Any:
    """The response body as JSON, with numbers that have a fraction read as `Decimal` (money)."""
    return json.loads(response.content, parse_float=Decimal)


def read_model(response: httpx.Response, model: type[M], provider: str, operation: str) -> M:
    """Parse a 2xx body into `model`; a body we cannot read is `UnexpectedResponse`.

    Unknown fields are ignored (providers add fields without notice). A missing or
    mistyped field we need names its path in the error; the validation message itself is
    dropped on purpose: it would quote the body, which can hold personal data.
    """
    try:
        body = read_json(response)
    except (ValueError, UnicodeDecodeError):
        raise UnexpectedResponse(provider, operation, status=response.status_code) from None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = tuple(
            ".".join(str(part) for part in error["loc"]) or "(body)"
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise UnexpectedResponse(
            provider, operation, tuple(dict.fromkeys(fields)), status=response.status_code
        ) from None
