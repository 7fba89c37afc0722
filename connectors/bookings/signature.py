"""`Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>` on booking webhooks.

The provider signs `"{t}.{raw body}"` with HMAC-SHA256 keyed by the
subscription's signing key. A signature is accepted only if it matches in
constant time and `t` is within the tolerance (3 minutes) of our clock,
either way, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from connectors.errors import WebhookVerificationError

SIGNATURE_HEADER = "Calendly-Webhook-Signature"
DEFAULT_TOLERANCE = timedelta(minutes=3)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def compute_calendly_signature(signing_key: SecretStr, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"{timestamp}.{body}"`."""
    return hmac.new(
        signing_key.get_secret_value().encode(),
        f"{timestamp}.".encode() + body,
        hashlib.sha256,
    ).hexdigest()


def sign_calendly_webhook(signing_key: SecretStr, body: bytes, *, at: datetime) -> str:
    """The header value the provider would send for `body` at `at` (for the simulator)."""
    timestamp = int(at.timestamp())
    return f"t={timestamp},v1={compute_calendly_signature(signing_key, timestamp, body)}"


class CalendlySignatureVerifier:
    """Verifies booking webhooks against the subscription's signing key."""

    def __init__(
        self,
        signing_key: SecretStr,
        *,
        tolerance: timedelta = DEFAULT_TOLERANCE,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._signing_key = signing_key
        self._tolerance = tolerance
        self._clock = clock

    def verify(self, header: str | None, body: bytes) -> None:
        """Raise `WebhookVerificationError` unless `header` signs `body` recently enough."""
        if not header:
            raise WebhookVerificationError(f"{SIGNATURE_HEADER} is missing")
        timestamp: int | None = None
        signatures: list[str] = []
        for part in header.split(","):
            name, sep, value = part.strip().partition("=")
            if not sep:
                raise WebhookVerificationError(f"{SIGNATURE_HEADER} is malformed")
            if name == "t":
                if not value.isdigit() or len(value) > 12 or timestamp is not None:
                    raise WebhookVerificationError(f"{SIGNATURE_HEADER} has a bad timestamp")
                timestamp = int(value)
            elif name == "v1":
                signatures.append(value)
        if timestamp is None or not signatures:
            raise WebhookVerificationError(f"{SIGNATURE_HEADER} lacks t or v1")
        signed_at = datetime.fromtimestamp(timestamp, UTC)
        if abs(self._clock() - signed_at) > self._tolerance:
            raise WebhookVerificationError(f"{SIGNATURE_HEADER} timestamp is outside tolerance")
        expected = compute_calendly_signature(self._signing_key, timestamp, body).encode()
        if not any(hmac.compare_digest(expected, s.encode()) for s in signatures):
            raise WebhookVerificationError(f"{SIGNATURE_HEADER} does not match")
