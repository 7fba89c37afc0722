"""How S3 failures map onto the connectors' failure model."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from connectors.errors import (
    AuthenticationError,
    PermanentError,
    RateLimited,
    TransientError,
)
from connectors.storage.errors import (
    ObjectAlreadyExists,
    ObjectNotFound,
    map_botocore_error,
    map_client_error,
)


def client_error(code: str, status: int) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": "s3 says no about reports/member-123.csv"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "GetObject")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("NoSuchKey", 404, ObjectNotFound),
        ("NoSuchBucket", 404, ObjectNotFound),
        ("404", 404, ObjectNotFound),
        ("PreconditionFailed", 412, ObjectAlreadyExists),
        ("AccessDenied", 403, AuthenticationError),
        ("SignatureDoesNotMatch", 403, AuthenticationError),
        ("SlowDown", 503, RateLimited),
        ("ServiceUnavailable", 503, RateLimited),
        ("InternalError", 500, TransientError),
        ("ConditionalRequestConflict", 409, TransientError),
        ("InvalidArgument", 400, PermanentError),
    ],
)
def test_each_s3_error_code_maps_to_its_failure_kind(code, status, expected):
    error = map_client_error(client_error(code, status), "get_object")

    assert type(error) is expected
    assert error.status == status


def test_not_found_and_conflicts_are_never_retried_but_throttling_and_5xx_are():
    assert not isinstance(map_client_error(client_error("NoSuchKey", 404), "op"), TransientError)
    assert not isinstance(
        map_client_error(client_error("PreconditionFailed", 412), "op"), TransientError
    )
    assert isinstance(map_client_error(client_error("SlowDown", 503), "op"), TransientError)
    assert isinstance(map_client_error(client_error("InternalError", 500), "op"), TransientError)


def test_an_error_message_names_the_operation_and_code_but_never_the_key():
    error = map_client_error(client_error("NoSuchKey", 404), "get_object")

    assert "get_object" in str(error)
    assert "NoSuchKey" in str(error)
    assert "member-123" not in str(error)


def test_connection_failures_are_transient_and_read_timeouts_ambiguous():
    connect = map_botocore_error(EndpointConnectionError(endpoint_url="http://s3"), "put_object")
    connect_timeout = map_botocore_error(ConnectTimeoutError(endpoint_url="http://s3"), "op")
    read = map_botocore_error(ReadTimeoutError(endpoint_url="http://s3"), "put_object")

    assert type(connect) is TransientError and not connect.ambiguous
    assert type(connect_timeout) is TransientError
    assert type(read) is TransientError and read.ambiguous


def test_missing_credentials_are_an_authentication_error():
    assert isinstance(map_botocore_error(NoCredentialsError(), "op"), AuthenticationError)
