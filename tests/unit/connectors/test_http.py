"""How HTTP statuses, timeouts and connection errors map onto the failure hierarchy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)
from connectors.http import HttpSettings, ProviderHttp, build_http_client, parse_retry_after

URL = "https://provider.test/thing"


@pytest.fixture
async def http() -> AsyncIterator[ProviderHttp]:
    settings = HttpSettings(total_timeout_seconds=2)
    async with build_http_client(settings) as client:
        yield ProviderHttp(client, provider="prov", settings=settings)


async def failure(http: ProviderHttp, response: httpx.Response | Exception) -> ConnectorError:
    with respx.mock:
        respx.get(URL).mock(side_effect=[response])
        with pytest.raises(ConnectorError) as raised:
            await http.request("op", "GET", URL)
    return raised.value


@pytest.mark.parametrize(
    ("status", "kind", "ambiguous"),
    [
        (500, TransientError, True),
        (502, TransientError, True),
        (503, TransientError, False),
        (504, TransientError, True),
        (408, TransientError, True),
        (400, PermanentError, None),
        (404, PermanentError, None),
        (409, PermanentError, None),
        (401, AuthenticationError, None),
        (403, AuthenticationError, None),
    ],
)
async def test_statuses_map_onto_the_hierarchy(
    http: ProviderHttp, status: int, kind: type[ConnectorError], ambiguous: bool | None
) -> None:
    error = await failure(http, httpx.Response(status))
    assert type(error) is kind
    assert error.status == status
    if ambiguous is not None:
        assert isinstance(error, TransientError)
        assert error.ambiguous is ambiguous


async def test_429_carries_retry_after(http: ProviderHttp) -> None:
    error = await failure(http, httpx.Response(429, headers={"Retry-After": "3"}))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 3.0


async def test_503_with_retry_after_is_a_rate_limit(http: ProviderHttp) -> None:
    error = await failure(http, httpx.Response(503, headers={"Retry-After": "2"}))
    assert isinstance(error, RateLimited)


async def test_a_refused_connection_is_transient_and_known_unprocessed(http: ProviderHttp) -> None:
    error = await failure(http, httpx.ConnectError("refused"))
    assert isinstance(error, TransientError)
    assert not error.ambiguous


async def test_a_read_timeout_is_transient_and_ambiguous(http: ProviderHttp) -> None:
    error = await failure(http, httpx.ReadTimeout("slow"))
    assert isinstance(error, TransientError)
    assert error.ambiguous


async def test_the_total_timeout_bounds_a_slow_response() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    settings = HttpSettings(total_timeout_seconds=0.05)
    async with build_http_client(settings, transport=httpx.MockTransport(slow)) as client:
        http = ProviderHttp(client, provider="prov", settings=settings)
        with pytest.raises(TransientError) as raised:
            await http.request("op", "GET", URL)
    assert raised.value.ambiguous
    assert "total timeout" in str(raised.value)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None
