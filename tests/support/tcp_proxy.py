"""A TCP proxy in front of Postgres or RabbitMQ that a test can cut and restore.

`cut()` drops every open connection and stops listening, as a restarting server
looks to its clients (established connections reset, new ones refused);
`freeze()` is a network partition instead: connections stay open, new ones are
accepted, and no byte goes through, so clients wait on their own timeouts;
`restore()` undoes either (listens again, lets bytes through). The proxy runs its own event loop in
a thread, so sync tests, async tests and role processes can all go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")
_CHUNK = 65_536


class TcpProxy:
    """Forward 127.0.0.1:`port` to `upstream_host`:`upstream_port` until cut."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing: asyncio.Event | None = None  # made on the proxy's own loop
        self.accepted = 0

    @classmethod
    def for_url(cls, url: str) -> TcpProxy:
        """A proxy for the host and port of a postgresql:// or amqp:// URL."""
        parts = urlsplit(url)
        default = 5432 if parts.scheme.startswith("postgres") else 5672
        return cls(parts.hostname or "127.0.0.1", parts.port or default)

    def url_through(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's."""
        parts = urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def start(self) -> TcpProxy:
        self._thread.start()
        with socket.socket() as probe:  # pick a free port once; restore() reuses it
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._call(self._listen())
        return self

    def cut(self) -> None:
        """Stop listening and reset every connection through the proxy."""
        self._call(self._cut())

    def freeze(self) -> None:
        """Let no byte through (either way) until `restore()`, keeping every connection open."""
        self._call(self._set_flowing(False))

    def restore(self) -> None:
        """Listen again on the same port and let bytes through."""
        self._call(self._listen())
        self._call(self._set_flowing(True))

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _set_flowing(self, flowing: bool) -> None:
        if self._flowing is None:
            self._flowing = asyncio.Event()
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _listen(self) -> None:
        if self._flowing is None:
            await self._set_flowing(True)
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        assert self._flowing is not None
        self._writers.add(writer)
        await self._flowing.wait()  # a frozen proxy holds new connections here
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            self._writers.discard(writer)
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for one in (writer, up_writer):
            self._writers.discard(one)
            one.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(_CHUNK):
                assert self._flowing is not None
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                if writer.can_write_eof():
                    writer.write_eof()
