"""Server-sent events over a plain aiohttp `StreamResponse`: framing, heartbeats, retry.

A comment line every `HEARTBEAT_SECONDS` keeps proxies and load balancers (the ALB's idle
timeout is 60 s) from closing a quiet stream, and tells us when the client has gone.
"""

from __future__ import annotations

from aiohttp import web

MEDIA_TYPE = "text/event-stream"
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2_000
HEARTBEAT = b": heartbeat\n\n"


def sse_frame(event: str, data: bytes, event_id: int | None = None) -> bytes:
    """One event: its id, name and a `data:` line per line of `data`."""
    head = b"" if event_id is None else b"id: %d\n" % event_id
    lines = b"".join(b"data: " + line + b"\n" for line in data.split(b"\n"))
    return head + b"event: " + event.encode() + b"\n" + lines + b"\n"


async def open_stream(request: web.Request) -> web.StreamResponse:
    """Start the event stream (status 200 and headers sent), telling the client how to retry."""
    response = web.StreamResponse(
        headers={
            "Content-Type": MEDIA_TYPE,
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx-style proxies: do not buffer the stream
        }
    )
    await response.prepare(request)
    await response.write(b"retry: %d\n\n" % RETRY_MS)
    return response


def client_gone(request: web.Request) -> bool:
    """True once the client closed the connection."""
    transport = request.transport
    return transport is None or transport.is_closing()
