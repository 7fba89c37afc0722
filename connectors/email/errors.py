"""How SES's (botocore's) errors map onto `connectors.errors`.

- refused credentials or access: `AuthenticationError`;
- throttling (`TooManyRequestsException`, sending-rate and quota limits): `RateLimited`;
- 503: `TransientError` (the request was not processed);
- other 5xx: `TransientError(ambiguous=True)` (SES may have sent it; it takes no
  idempotency key, so the caller must not send again);
- connect failures: `TransientError`; read timeouts and dropped responses: ambiguous
  (`connectors.aws_client.map_botocore_error`, the same for every AWS service);
- anything else (`MessageRejected`, unverified sender, sending paused, bad request):
  `PermanentError`.

Messages carry the operation, status and SES error code, never an address, a
body or a credential.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)

PROVIDER = "ses"

_AUTH = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
_THROTTLED = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",
    }
)


def map_client_error(exc: ClientError, operation: str) -> ConnectorError:
    """The `connectors.errors` equivalent of a botocore `ClientError` from SES."""
    code = str(exc.response.get("Error", {}).get("Code", "")) or None
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _AUTH or status in (401, 403):
        return AuthenticationError(PROVIDER, operation, status=status, code=code)
    if code in _THROTTLED or status == 429:
        return RateLimited(PROVIDER, operation, status=status, code=code)
    if status == 503:
        return TransientError(PROVIDER, operation, status=status, code=code)
    if status is not None and status >= 500:
        return TransientError(PROVIDER, operation, status=status, code=code, ambiguous=True)
    return PermanentError(PROVIDER, operation, status=status, code=code)
