import psycopg2
import pytest
from aiormq.exceptions import ChannelInvalidStateError, ConnectionClosed

from shared.messaging.connection import BrokerUnavailable
from shared.outages import unavailable_dependency


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
