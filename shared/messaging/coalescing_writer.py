"""One socket write per event-loop step for all AMQP frames queued in that step.

aiormq's writer task writes every frame (a publish, an ack) to the stream as it
comes off its queue, and asyncio sends each write at once: a relay batch of 500
publishes was 500 `send` calls, about a quarter of a relaying role's CPU under
load. `CoalescingWriter` buffers the writes made while the loop runs and hands
them to the transport as one write at the end of the step (`call_soon`), or at
once before a drain, a close or an EOF, so frame order and backpressure are as
aiormq expects. `CoalescingTransportFactory` plugs it in through aiormq's public
`transport_factory` hook, plain TCP or TLS as the URL says.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiormq.connection import TCPTransportFactory, TLSTransportFactory, TransportFactory
from yarl import URL


class CoalescingWriter:
    """A `StreamWriter` stand-in whose writes within one loop step leave as one."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._pending: list[bytes] = []
        self._scheduled = False
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes) -> None:
        """Queue `data`; the step's writes go out together when the step ends."""
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Hand everything queued to the transport now."""
        self._scheduled = False
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        if not self._writer.is_closing():
            self._writer.write(data)

    async def drain(self) -> None:
        self.flush()
        await self._writer.drain()

    def write_eof(self) -> None:
        self.flush()
        self._writer.write_eof()

    def close(self) -> None:
        self.flush()
        self._writer.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, wait_closed, transport, ...
        return getattr(self._writer, name)


class CoalescingTransportFactory(TransportFactory):
    """aiormq's own TCP or TLS connection, its writer wrapped in a `CoalescingWriter`."""

    async def create(
        self, url: URL, **kwargs: Any
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        inner = TLSTransportFactory() if url.scheme == "amqps" else TCPTransportFactory()
        reader, writer = await inner.create(url, **kwargs)
        coalescing: Any = CoalescingWriter(writer)  # duck-typed: aiormq only calls these methods
        return reader, coalescing
