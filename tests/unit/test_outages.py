import asyncio

import psycopg2
import pytest
from aiormq.exceptions import ChannelInvalidStateError, ConnectionClosed

from shared.messaging.connection import BrokerUnavailable
from shared.outages import is_statement_timeout, unavailable_dependency


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (psycopg2.OperationalError("server closed the connection unexpectedly"), "postgres"),
        (psycopg2.InterfaceError("connection already closed"), "postgres"),
        (BrokerUnavailable("not connected"), "rabbitmq"),
        (ChannelInvalidStateError("closed"), "rabbitmq"),
        (ConnectionClosed(320, "CONNECTION_FORCED"), "a dependency"),
        (ConnectionRefusedError(111, "refused"), "a dependency"),
        (TimeoutError(), "a dependency"),
    ],
)
def test_errors_of_an_unavailable_dependency_are_recognised(error, dependency):
    assert unavailable_dependency(error) == dependency


def test_an_error_raised_from_an_outage_is_recognised_through_its_cause():
    try:
        try:
            raise psycopg2.OperationalError("terminating connection")
        except psycopg2.OperationalError as exc:
            raise RuntimeError("batch failed") from exc
    except RuntimeError as wrapped:
        assert unavailable_dependency(wrapped) == "postgres"


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("a bug"),
        KeyError("missing"),
        psycopg2.errors.UniqueViolation(),
        psycopg2.ProgrammingError("syntax error"),
    ],
)
def test_a_bug_is_not_an_outage(error):
    assert unavailable_dependency(error) is None


def _aiopg_style_cancel() -> None:
    """What aiopg does with a query cancelled by statement_timeout."""
    try:
        raise psycopg2.extensions.QueryCanceledError("canceling statement due to statement timeout")
    except psycopg2.extensions.QueryCanceledError:
        raise asyncio.CancelledError from None


async def test_a_statement_timeout_turned_into_cancelled_error_is_recognised():
    async def query() -> bool:
        try:
            _aiopg_style_cancel()
        except asyncio.CancelledError as exc:
            return is_statement_timeout(exc)
        return False

    assert await asyncio.create_task(query()) is True


async def test_a_real_cancellation_is_not_taken_for_a_statement_timeout():
    started = asyncio.Event()

    async def query() -> bool:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            try:
                _aiopg_style_cancel()
            except asyncio.CancelledError as exc:
                return is_statement_timeout(exc)
        return True

    task = asyncio.create_task(query())
    await started.wait()
    task.cancel()
    assert await task is False
