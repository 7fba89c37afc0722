"""A small asyncio TCP proxy that tests put in front of RabbitMQ or Postgres to cut the wire.

`cut()` closes every proxied connection at once and refuses new ones, as a
broker restart or a network partition would look to a client; `restore()`
accepts connections again. The shared services are never touched.

    proxy = TcpProxy()
    port = await proxy.start("127.0.0.1", 5672)
    ...
    await proxy.cut(); await proxy.restore(); await proxy.close()
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; can drop every connection on demand."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._target: tuple[str, int] | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._accepting = True
        self.connections_total = 0
        self.port = 0

    async def start(self, target_host: str, target_port: int) -> int:
        """Listen on a free loopback port and return it."""
        self._target = (target_host, target_port)
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def cut(self) -> None:
        """Close every proxied connection now and refuse new ones until `restore()`."""
        self._accepting = False
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()
        await asyncio.sleep(0)

    async def restore(self) -> None:
        """Accept and forward new connections again."""
        self._accepting = True

    async def close(self) -> None:
        """Drop everything and stop listening."""
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._accepting or self._target is None:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self.connections_total += 1
        self._writers.update((writer, up_writer))
        pumps = [
            asyncio.get_running_loop().create_task(self._pump(reader, up_writer)),
            asyncio.get_running_loop().create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for side in (writer, up_writer):
                with contextlib.suppress(Exception):
                    side.transport.abort()
                self._writers.discard(side)
            for pump in pumps:
                pump.cancel()
                self._tasks.discard(pump)

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
