"""How each provider signs what it sends, reproduced so the gateway's verifiers can be tested.

- Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 (key: the auth token) over the
  callback URL followed by every POST parameter name and value, sorted by name.
- Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 (key:
  the subscription's signing key) over `"{t}.{raw body}"`.
- Plaid: `Plaid-Verification`, an ES256 JWT (header `kid`) whose claims are
  `iat` and `request_body_sha256`; the public key is served as a JWK by
  `/webhook_verification_key/get`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The `X-Twilio-Signature` of a form POST of `params` to `url`."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def calendly_signature(signing_key: str, body: bytes, timestamp: int | None = None) -> str:
    """The `Calendly-Webhook-Signature` header value for `body`, signed at `timestamp`."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{t}.".encode() + body
    v1 = hmac.new(signing_key.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={v1}"


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass
class PlaidKey:
    """One webhook signing key: the private key, its id, and when it was made and retired."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    created_at: int
    expired_at: int | None = None

    def jwk(self) -> dict[str, Any]:
        """The public half, in the shape `/webhook_verification_key/get` returns."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "alg": "ES256",
            "created_at": self.created_at,
            "crv": "P-256",
            "expired_at": self.expired_at,
            "kid": self.kid,
            "kty": "EC",
            "use": "sig",
            "x": _b64url_uint(numbers.x),
            "y": _b64url_uint(numbers.y),
        }


@dataclass
class PlaidKeyRing:
    """The current signing key and the retired ones (still served, marked expired)."""

    seed: int
    keys: dict[str, PlaidKey] = field(default_factory=dict)
    current: PlaidKey = field(init=False)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        # Derived from the seed, so a restarted simulator signs with the same key.
        self._random = random.Random(f"plaid-keys:{self.seed}")  # noqa: S311 - not for secrecy
        self.current = self._new_key()

    def _new_key(self) -> PlaidKey:
        order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
        secret = 1 + self._random.getrandbits(256) % (order - 1)
        key = PlaidKey(
            kid=str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
            private_key=ec.derive_private_key(secret, ec.SECP256R1()),
            created_at=int(time.time()),
        )
        self.keys[key.kid] = key
        return key

    def rotate(self) -> PlaidKey:
        """Retire the current key (it stays served with `expired_at`) and sign with a new one."""
        self.current.expired_at = int(time.time())
        self.current = self._new_key()
        return self.current

    def sign(self, body: bytes, *, issued_at: int | None = None) -> str:
        """The `Plaid-Verification` JWT for a webhook whose raw body is `body`."""
        claims = {
            "iat": int(time.time()) if issued_at is None else issued_at,
            "request_body_sha256": hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(
            claims, self.current.private_key, algorithm="ES256", headers={"kid": self.current.kid}
        )
