"""`X-Twilio-Signature` on status callbacks: proof the provider sent them.

The provider signs the full public URL it called (query string included)
followed by every POST parameter, sorted by name, as name + value with no
separators, with HMAC-SHA1 keyed by the account's auth token, base64 encoded.
The URL must be built from our configured public base URL plus the request's
path and query, never from the Host header, which the caller controls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

from pydantic import SecretStr

from connectors.errors import WebhookVerificationError

SIGNATURE_HEADER = "X-Twilio-Signature"

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def compute_twilio_signature(auth_token: SecretStr, url: str, params: Params) -> str:
    """The signature the provider sends for `url` and form `params` (also used by the simulator)."""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    # Sorting (name, value) pairs orders by name, then repeated names by value, like the provider.
    payload = url + "".join(name + value for name, value in sorted(items))
    digest = hmac.new(
        auth_token.get_secret_value().encode(), payload.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


class TwilioSignatureValidator:
    """Checks status callbacks against the account's auth token."""

    def __init__(self, auth_token: SecretStr) -> None:
        self._auth_token = auth_token

    def is_valid(self, url: str, params: Params, signature: str | None) -> bool:
        """True when `signature` is the provider's signature of `url` and `params`."""
        if not signature:
            return False
        expected = compute_twilio_signature(self._auth_token, url, params)
        return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8"))

    def verify(self, url: str, params: Params, signature: str | None) -> None:
        """Raise `WebhookVerificationError` unless the callback is genuine."""
        if not self.is_valid(url, params, signature):
            raise WebhookVerificationError("X-Twilio-Signature does not match")
