"""A lean HTTP/1.1 keep-alive load driver: prebuilt request bytes over plain asyncio streams.

The benchmarks drove their servers with aiohttp's client, which on this 2-core
machine spent about five times the CPU per request of the gateway it measured
(py-spy: the driver 62 % busy while gateway web was 14 %), so the driver, not the
code under test, set the figure, and more so for signed webhooks (a distinct URL
and headers per request) than for the reference's one constant request. Here
every request is built before the clock starts and a connection's loop is one
write, one header read and one body read: the driver costs the same small amount
for either side, and both sides get the CPU it no longer takes.

Responses must carry Content-Length (aiohttp's `json_response` and our
problem responses do); anything else is counted as an error.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any


def build_request(
    method: str, target: str, host: str, headers: Mapping[str, str], body: bytes = b""
) -> bytes:
    """The raw bytes of one request (`target` is path and query) on a keep-alive connection."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def drive(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    seconds: float,
    warmup_seconds: float = 2.0,
    ok_status: int = 200,
) -> dict[str, Any]:
    """Send `requests` round-robin over `connections` for `seconds` after a warm-up.

    Returns requests, errors (any status but `ok_status`), rps, p50/p99 and every
    latency in ms, as the benchmarks' `_merge` expects.
    """
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0

    async def connection(warm_until: float, until: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (now := time.perf_counter()) < until:
                writer.write(requests[next(counter) % len(requests)])
                head = await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(_content_length(head))
                done = time.perf_counter()
                if now >= warm_until:
                    latencies.append(done - now)
                    errors += int(head[9:12]) != ok_status
        finally:
            writer.close()

    start = time.perf_counter()
    warm_until = start + warmup_seconds
    until = warm_until + seconds
    await asyncio.gather(*(connection(warm_until, until) for _ in range(connections)))
    elapsed = time.perf_counter() - warm_until
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "elapsed_s": elapsed,
        "latencies_ms": [round(latency * 1000, 2) for latency in latencies],
    }


def _content_length(head: bytes) -> int:
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    end = head.find(b"\r\n", at + 2)
    return int(head[at + 17 : end])
