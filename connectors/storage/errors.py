"""Storage failures, and how botocore's errors map onto `connectors.errors`.

- missing key or bucket: `ObjectNotFound` (permanent);
- the key of a create-only upload is taken: `ObjectAlreadyExists` (permanent);
- refused credentials or access: `AuthenticationError`;
- throttling (`SlowDown`, 503 and friends): `RateLimited`;
- other 5xx, timeouts and connection errors: `TransientError`;
- anything else (4xx): `PermanentError`.

Messages carry the operation, status and S3 error code, never a key (keys can
name a member) or a credential.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from connectors import aws_client
from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)

PROVIDER = "s3"

_NOT_FOUND = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})
_AUTH = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "403",
    }
)
_THROTTLED = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"}
)
# Another writer's conditional request was in flight: S3 asks to retry.
_CONFLICT = frozenset({"ConditionalRequestConflict", "OperationAborted"})


class ObjectNotFound(PermanentError):
    """No object (or no bucket) under that name."""


class ObjectAlreadyExists(PermanentError):
    """A create-only upload found the key already taken; nothing was overwritten."""


class LineTooLong(PermanentError):
    """A line exceeded the configured maximum; the file is not what we expect."""


def map_client_error(exc: ClientError, operation: str) -> ConnectorError:
    """The `connectors.errors` equivalent of a botocore `ClientError`."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _NOT_FOUND:
        return ObjectNotFound(PROVIDER, operation, status=status, code=code)
    if code == "PreconditionFailed" or status == 412:
        return ObjectAlreadyExists(PROVIDER, operation, status=status, code=code or None)
    if code in _AUTH:
        return AuthenticationError(PROVIDER, operation, status=status, code=code)
    if code in _THROTTLED or status in (429, 503):
        return RateLimited(PROVIDER, operation, status=status, code=code or None)
    if code in _CONFLICT or status == 409:
        return TransientError(PROVIDER, operation, status=status, code=code or None)
    if status is not None and status >= 500:
        return TransientError(PROVIDER, operation, status=status, code=code or None, ambiguous=True)
    return PermanentError(PROVIDER, operation, status=status, code=code or None)


def map_botocore_error(exc: BotoCoreError, operation: str) -> ConnectorError:
    """The `connectors.errors` equivalent of a botocore transport or configuration error."""
    return aws_client.map_botocore_error(exc, PROVIDER, operation)
