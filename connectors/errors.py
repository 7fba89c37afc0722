"""How a provider call can fail, so callers decide between retry, re-queue and give up.

Every connector maps what the wire says (status codes, provider error codes,
timeouts, dropped connections) onto this hierarchy, and nothing else escapes a
client:

    ConnectorError                  something went wrong talking to a provider
    ├── TransientError              worth retrying: 5xx, timeouts, connection errors
    │   └── RateLimited             the provider (or our own limiter) said slow down;
    │                               `retry_after` seconds is when to try again, if known
    ├── PermanentError              retrying the same request cannot help: 4xx, bad input
    │   ├── AuthenticationError     our credentials were refused (401/403, bad API keys)
    │   ├── UnexpectedResponse      a 2xx body we cannot read: not JSON, or a field we need
    │                               is missing or mistyped (`fields` names them)
    │   ├── SmsGateError            this environment may not dispatch SMS to that URL
    │   └── EmailGateError          this environment may not send email through that endpoint
    └── CircuitOpen                 the provider's breaker is open; no call was made,
                                    re-queue after `retry_after` seconds

`TransientError.ambiguous` is true when the provider may already have acted on
the request (a read timeout, a 500 after the body was sent): only idempotent
operations retry those, so a message is not sent twice.

Webhook verifiers raise `WebhookVerificationError`, which is not a
`ConnectorError`: it is the caller's answer to an untrusted request, not a
failure of ours.

Messages name the provider, the operation, the HTTP status and the provider's
error code; they never carry a credential, a request body or a provider
message (those can echo phone numbers or emails).
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every failure a connector raises."""

    def __init__(
        self,
        provider: str,
        operation: str,
        detail: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.provider = provider
        self.operation = operation
        self.detail = detail
        self.status = status
        self.code = code
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"{self.provider} {self.operation}:"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)


class TransientError(ConnectorError):
    """A failure that may go away by itself; retrying later is reasonable."""

    def __init__(
        self,
        provider: str,
        operation: str,
        detail: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        ambiguous: bool = False,
    ) -> None:
        self.ambiguous = ambiguous
        super().__init__(provider, operation, detail, status=status, code=code)


class RateLimited(TransientError):
    """Too many requests; `retry_after` (seconds) says when to come back, if known."""

    def __init__(
        self,
        provider: str,
        operation: str,
        detail: str = "",
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        if retry_after is not None and not detail:
            detail = f"retry after {retry_after:.1f}s"
        super().__init__(provider, operation, detail, status=status, code=code, ambiguous=False)


class PermanentError(ConnectorError):
    """The provider refused this request for good; do not retry it unchanged."""


class AuthenticationError(PermanentError):
    """The provider refused our credentials; ops must fix configuration."""


class UnexpectedResponse(PermanentError):
    """The provider answered 2xx with a body we cannot use; `fields` names what was wrong.

    Fields are named by their path (`accounts.0.balances.current`), never by their value:
    values can be personal data.
    """

    def __init__(
        self,
        provider: str,
        operation: str,
        fields: tuple[str, ...] = (),
        *,
        status: int | None = None,
    ) -> None:
        self.fields = fields
        detail = "unexpected response body"
        if fields:
            detail += ": missing or invalid " + ", ".join(fields[:5])
            if len(fields) > 5:
                detail += f" (+{len(fields) - 5} more)"
        super().__init__(provider, operation, detail, status=status)


class SmsGateError(PermanentError):
    """Local and test environments may only send SMS to the provider simulator."""


class EmailGateError(PermanentError):
    """Local and test environments may only send email to a local SES stand-in (moto)."""


class CircuitOpen(ConnectorError):
    """The breaker for this provider is open, so the call was not attempted."""

    def __init__(self, provider: str, operation: str, *, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(provider, operation, f"circuit open, retry after {retry_after:.1f}s")


class WebhookVerificationError(Exception):
    """An inbound webhook failed signature, timestamp or body-hash verification."""
