"""A RabbitMQ connection that comes back by itself.

aiormq does not reconnect: `BrokerConnection` keeps one connection per process,
reconnects with capped, jittered backoff when the broker or the network goes
away, and tells listeners (relay, consumers) each time a fresh connection is up
so they can re-declare topology and resume. Its frames leave one socket write
per loop step (`coalescing_writer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import aiormq
from aiormq.abc import AbstractChannel, AbstractConnection

from shared.messaging.coalescing_writer import CoalescingTransportFactory
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

OnConnected = Callable[[AbstractConnection], Coroutine[Any, Any, None]]


class BrokerUnavailable(Exception):
    """No connection to RabbitMQ right now."""


class BrokerConnection:
    """Owns the process's AMQP connection and keeps it open until `close()`."""

    def __init__(self, url: str, *, name: str, max_backoff_seconds: float = 5.0) -> None:
        self._url = url
        self._name = name
        self._max_backoff = max_backoff_seconds
        self._connection: AbstractConnection | None = None
        self._ready = asyncio.Event()
        self._listeners: list[OnConnected] = []
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        """True while a connection is open."""
        return self._connection is not None and not self._connection.is_closed

    def on_connected(self, listener: OnConnected) -> None:
        """Call `listener` with every new connection (and now, if one is open)."""
        self._listeners.append(listener)
        if self.connected and self._connection is not None:
            asyncio.get_running_loop().create_task(listener(self._connection))

    def start(self) -> None:
        """Begin connecting in the background; never blocks start-up on the broker."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._maintain())

    async def connection(self, timeout: float = 5.0) -> AbstractConnection:
        """The open connection, waiting up to `timeout` seconds for one."""
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError:
            raise BrokerUnavailable(self.last_error or "not connected") from None
        if self._connection is None or self._connection.is_closed:
            raise BrokerUnavailable(self.last_error or "not connected")
        return self._connection

    async def channel(self, timeout: float = 5.0, **kwargs: object) -> AbstractChannel:
        """A new channel on the current connection."""
        connection = await self.connection(timeout)
        return await connection.channel(**kwargs)  # type: ignore[arg-type]

    async def close(self) -> None:
        """Stop reconnecting and close the connection."""
        self._closing = True
        if self._task is not None:
            await cancel_and_wait(self._task)
        if self._connection is not None and not self._connection.is_closed:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None
        self._ready.clear()

    async def _maintain(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                connection = await aiormq.connect(
                    self._url,
                    client_properties={"connection_name": self._name},
                    transport_factory=CoalescingTransportFactory(),
                )
            except (TimeoutError, OSError, aiormq.AMQPError) as exc:
                attempt += 1
                self.last_error = f"connect failed: {type(exc).__name__}"
                delay = random.uniform(0, min(self._max_backoff, 0.2 * 2**attempt))  # noqa: S311
                log.warning("rabbitmq connect failed, retrying", extra={"attempt": attempt})
                await asyncio.sleep(delay)
                continue
            attempt = 0
            self._connection = connection
            self.last_error = None
            self._ready.set()
            log.info("rabbitmq connected")
            for listener in list(self._listeners):
                try:
                    await listener(connection)
                except Exception:
                    log.exception("rabbitmq on-connect listener failed")
            # `wait` (unlike awaiting the future) returns however the connection closed,
            # and still raises if this task itself is cancelled.
            await asyncio.wait([connection.closing])
            self._ready.clear()
            if not self._closing:
                self.last_error = "connection lost"
                log.warning("rabbitmq connection lost, reconnecting")
