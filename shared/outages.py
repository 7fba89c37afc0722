"""Which errors mean a dependency is unavailable right now, rather than a bug in our code.

Postgres restarting, a pool that cannot hand out a connection in time, RabbitMQ
gone: a request that meets one of these should be retried shortly (503 with
`Retry-After`), and the process must not be treated as broken. A bug stays a 500.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import psycopg2
from aiormq.exceptions import ChannelInvalidStateError

from shared.messaging.connection import BrokerUnavailable

Dependency = Literal["postgres", "rabbitmq", "a dependency"]

# Seconds a client is told to wait: the roles recover within ~10 s of a dependency's return.
RETRY_AFTER_SECONDS = 5

# Connection lost or refused, server shutting down, "connection already closed".
_POSTGRES_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
_BROKER_ERRORS = (BrokerUnavailable, ChannelInvalidStateError)


def unavailable_dependency(exc: BaseException) -> Dependency | None:
    """The dependency `exc` (or an error it was raised from) says is unavailable, else None.

    A pool acquire or query past its timeout raises a bare `TimeoutError`, and a
    socket refused or reset (aiormq's connection errors included) a `ConnectionError`.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _POSTGRES_ERRORS):
            return "postgres"
        if isinstance(current, _BROKER_ERRORS):
            return "rabbitmq"
        if isinstance(current, TimeoutError | ConnectionError):
            return "a dependency"
        current = current.__cause__
    return None


def is_statement_timeout(exc: asyncio.CancelledError) -> bool:
    """True when aiopg turned a query cancelled by `statement_timeout` into CancelledError.

    aiopg raises CancelledError in place of psycopg2's QueryCanceledError, so a slow
    query would otherwise drop the client's connection without an answer. A real
    cancellation (client gone, shutdown) leaves the task `cancelling()`; this one does not.
    """
    task = asyncio.current_task()
    return (
        task is not None
        and task.cancelling() == 0
        and isinstance(exc.__context__, psycopg2.extensions.QueryCanceledError)
    )
