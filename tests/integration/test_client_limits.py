"""Slow and oversized clients: the keep-alive timer closes stalled headers, limits refuse big ones.

The server is built by `app_runner`, the function every role serves with; only the
keep-alive timeout is shortened so the test does not wait 75 seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bff.app import create_app
from shared.web.client_limits import (
    BODY_READ_TIMEOUT,
    KEEPALIVE_TIMEOUT_SECONDS,
    MAX_FIELD_SIZE,
    MAX_HEADERS,
    app_runner,
)
from tests.support.infra import free_port


async def _hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": True})


@pytest.fixture
async def served() -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_get("/", _hello)
    runner = app_runner(app, shutdown_timeout=1, keepalive_timeout=1.0)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port
    await runner.cleanup()


async def _exchange(port: int, data: bytes, *, wait: float = 5.0, to_eof: bool = True) -> bytes:
    """Send raw bytes; what comes back until the server closes (or the first chunk)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(wait):
            return await (reader.read() if to_eof else reader.read(65536))
    finally:
        writer.close()


def test_the_keep_alive_timeout_outlasts_the_load_balancers_idle_timeout():
    assert KEEPALIVE_TIMEOUT_SECONDS > 60  # terraform/modules/alb: idle_timeout = 60


async def test_a_client_that_never_finishes_its_headers_is_disconnected(served):
    started = time.monotonic()

    answer = await _exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a", wait=10)

    assert answer == b""  # closed without a response
    assert 0.9 <= time.monotonic() - started < 5


async def test_a_client_trickling_header_bytes_is_disconnected_all_the_same(served):
    reader, writer = await asyncio.open_connection("127.0.0.1", served)
    started = time.monotonic()
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
    closed = False
    try:
        for _ in range(30):  # one header byte every 0.2 s, never the blank line
            await asyncio.sleep(0.2)
            writer.write(b"a")
            await writer.drain()
            if reader.at_eof() or writer.is_closing():
                break
            try:
                async with asyncio.timeout(0.01):
                    if await reader.read(1) == b"":
                        closed = True
                        break
            except TimeoutError:
                pass
    except ConnectionError:
        closed = True
    finally:
        writer.close()

    assert closed or reader.at_eof()
    assert time.monotonic() - started < 3


async def test_a_stalled_idle_keep_alive_connection_is_closed(served):
    started = time.monotonic()

    answer = await _exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", wait=10)

    assert answer.startswith(b"HTTP/1.1 200")
    assert time.monotonic() - started < 5


async def test_a_header_over_the_field_limit_is_refused(served):
    big = b"X-Big: " + b"a" * (MAX_FIELD_SIZE + 10) + b"\r\n"

    answer = await _exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")

    assert answer.split(b" ", 2)[1] in (b"400", b"431")


async def test_more_headers_than_the_limit_are_refused(served):
    many = b"".join(b"X-H%d: v\r\n" % n for n in range(MAX_HEADERS + 5))

    answer = await _exchange(served, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")

    assert answer.split(b" ", 2)[1] in (b"400", b"431")


async def test_a_body_sent_too_slowly_answers_408(settings):
    app = create_app(settings)
    app[BODY_READ_TIMEOUT] = 0.5
    server = TestServer(app)
    await server.start_server()
    try:
        assert server.port is not None
        started = time.monotonic()
        head = (
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        )
        answer = await _exchange(server.port, head + b'{"email": ', wait=5, to_eof=False)
    finally:
        await server.close()

    assert answer.startswith(b"HTTP/1.1 408")
    assert b"application/problem+json" in answer
    assert time.monotonic() - started < 3
