"""How much a role's HTTP server reads from a client, and for how long, before giving up.

aiohttp bounds the request line (`max_line_size`), each header (`max_field_size`)
and the number of headers (`max_headers`), answering 400 or 431 past them, and
`client_max_size` bounds the body (413). It has no header-read timeout as such,
but its keep-alive timer starts when a connection opens and again after every
response, and closes a connection that has not delivered a complete request by
then, partial headers included: `keepalive_timeout` is therefore also the
longest a client may take to send its headers. It is 75 s, above the load
balancer's 60 s idle timeout (AWS's advice: the target's keep-alive must outlast
the balancer's, or it drops connections the balancer is about to reuse).
aiohttp sets no deadline on reading a body, so `read_body_bytes` does (408).

These limits make a slow client cost a socket, not a worker; they are not a
defence against slowloris on their own: the roles must sit behind the load
balancer, which holds client connections itself (RUNBOOK.md).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

KEEPALIVE_TIMEOUT_SECONDS = 75.0
MAX_LINE_SIZE = 8190  # request line: URL with its query
MAX_FIELD_SIZE = 8190  # one header (a cookie, a signature JWT)
MAX_HEADERS = 64
READ_BUFSIZE = 64 * 1024
BODY_READ_TIMEOUT_SECONDS = 30.0

BODY_READ_TIMEOUT = web.AppKey("body_read_timeout", float)


def app_runner(
    app: web.Application,
    *,
    shutdown_timeout: float,
    keepalive_timeout: float = KEEPALIVE_TIMEOUT_SECONDS,
) -> web.AppRunner:
    """The runner every role serves with, with the limits above."""
    return web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=shutdown_timeout,
        keepalive_timeout=keepalive_timeout,
        max_line_size=MAX_LINE_SIZE,
        max_field_size=MAX_FIELD_SIZE,
        max_headers=MAX_HEADERS,
        read_bufsize=READ_BUFSIZE,
    )


async def read_body_bytes(request: web.Request) -> bytes:
    """The whole body, or 408 when the client takes longer than the app's body deadline."""
    deadline = request.app.get(BODY_READ_TIMEOUT, BODY_READ_TIMEOUT_SECONDS)
    try:
        async with asyncio.timeout(deadline):
            return await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout() from None  # aiohttp closes a half-read connection
