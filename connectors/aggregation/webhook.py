"""`Plaid-Verification` on aggregation webhooks: an ES256 JWT over the body's SHA-256.

Steps, as the provider documents them: read the JWT header without
verifying; refuse any `alg` but ES256; fetch the public key named by `kid`
from `/webhook_verification_key/get` (cached, and a key whose `expired_at`
has passed is refused); verify the signature; refuse an `iat` more than five
minutes old; compare `request_body_sha256` with the SHA-256 of the raw body
in constant time.

A key fetch that fails transiently propagates as `TransientError` (answer
5xx so the provider retries). Forged webhooks can name any `kid`, so a flood
of them must not become a flood of look-ups at the provider: an unknown `kid`
is remembered for an hour (as long as a known key is cached), and look-ups of
keys not in the cache are rate limited (10 a minute per process by default);
past the limit `RateLimited` is raised without calling the provider (answer
503 with `Retry-After`: the provider delivers a genuine webhook again).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from connectors.aggregation.models import WebhookVerificationKey
from connectors.errors import PermanentError, WebhookVerificationError
from connectors.rate_limit import RateLimit, RateLimiter

VERIFICATION_HEADER = "Plaid-Verification"
ALGORITHM = "ES256"
DEFAULT_MAX_AGE = timedelta(minutes=5)
DEFAULT_KEY_LOOKUPS = RateLimit(limit=10, period_seconds=60)
KEY_LOOKUP = "webhook_verification_key.get"

KeyFetcher = Callable[[str], Awaitable[WebhookVerificationKey]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PlaidWebhookVerifier:
    """Verifies aggregation webhooks; `fetch_key` is usually the client's key look-up."""

    def __init__(
        self,
        fetch_key: KeyFetcher,
        *,
        max_age: timedelta = DEFAULT_MAX_AGE,
        future_leeway: timedelta = timedelta(seconds=30),
        key_cache_ttl: timedelta = timedelta(hours=1),
        unknown_key_ttl: timedelta = timedelta(hours=1),
        max_cached_keys: int = 64,
        max_unknown_keys: int = 4096,
        key_lookups: RateLimit = DEFAULT_KEY_LOOKUPS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._fetch_key = fetch_key
        self._max_age = max_age
        self._future_leeway = future_leeway
        self._key_cache_ttl = key_cache_ttl
        self._unknown_key_ttl = unknown_key_ttl
        self._max_cached_keys = max_cached_keys
        self._max_unknown_keys = max_unknown_keys
        self._clock = clock
        self._lookups = RateLimiter("plaid", key_lookups, clock=lambda: clock().timestamp())
        self._keys: dict[str, tuple[WebhookVerificationKey, datetime]] = {}
        self._unknown: dict[str, datetime] = {}
        self._lock = asyncio.Lock()

    async def verify(self, token: str | None, body: bytes) -> dict[str, Any]:
        """Return the JWT's claims, or raise `WebhookVerificationError`."""
        if not token:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} is missing")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} is not a JWT") from None
        if header.get("alg") != ALGORITHM:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} must be signed with ES256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} names no key")

        key = await self._key(kid)
        now = self._clock()
        if key.expired_at is not None and datetime.fromtimestamp(key.expired_at, UTC) <= now:
            raise WebhookVerificationError("webhook verification key has expired")
        if key.alg != ALGORITHM or key.kty != "EC" or key.crv != "P-256":
            raise WebhookVerificationError("webhook verification key is not an ES256 key")
        try:
            public_key = jwt.PyJWK(key.jwk(), algorithm=ALGORITHM).key
            claims: dict[str, Any] = jwt.decode(
                token,
                key=public_key,
                algorithms=[ALGORITHM],
                options={
                    "verify_iat": False,  # checked below against the injected clock
                    "verify_exp": False,
                    "verify_nbf": False,
                    "require": ["iat", "request_body_sha256"],
                },
            )
        except jwt.PyJWTError:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} signature is invalid") from None

        issued_at = claims["iat"]
        if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} iat is not a number")
        issued = datetime.fromtimestamp(issued_at, UTC)
        if now - issued > self._max_age:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} is too old")
        if issued - now > self._future_leeway:
            raise WebhookVerificationError(f"{VERIFICATION_HEADER} is issued in the future")
        claimed = claims["request_body_sha256"]
        actual = hashlib.sha256(body).hexdigest()
        if not isinstance(claimed, str) or not hmac.compare_digest(
            actual.encode(), claimed.encode()
        ):
            raise WebhookVerificationError("request body does not match its signed hash")
        return claims

    async def _key(self, kid: str) -> WebhookVerificationKey:
        now = self._clock()
        cached = self._keys.get(kid)
        if cached is not None and now - cached[1] < self._key_cache_ttl:
            return cached[0]
        refused_at = self._unknown.get(kid)
        if refused_at is not None and now - refused_at < self._unknown_key_ttl:
            raise WebhookVerificationError("unknown webhook verification key")
        async with self._lock:
            cached = self._keys.get(kid)
            if cached is not None and self._clock() - cached[1] < self._key_cache_ttl:
                return cached[0]
            refused_at = self._unknown.get(kid)
            if refused_at is not None and self._clock() - refused_at < self._unknown_key_ttl:
                raise WebhookVerificationError("unknown webhook verification key")
            await self._lookups.acquire(KEY_LOOKUP)  # RateLimited past the budget, no call made
            try:
                key = await self._fetch_key(kid)
            except PermanentError:
                self._remember_unknown(kid)
                raise WebhookVerificationError("unknown webhook verification key") from None
            if key.kid != kid:
                raise WebhookVerificationError("provider returned a different key")
            if len(self._keys) >= self._max_cached_keys and kid not in self._keys:
                oldest = min(self._keys, key=lambda k: self._keys[k][1])
                del self._keys[oldest]
            self._keys[kid] = (key, self._clock())
            return key

    def _remember_unknown(self, kid: str) -> None:
        self._unknown.pop(kid, None)
        if len(self._unknown) >= self._max_unknown_keys:
            # Dicts keep insertion order: the first entry is the oldest refusal.
            del self._unknown[next(iter(self._unknown))]
        self._unknown[kid] = self._clock()


def sign_plaid_webhook(
    private_key: ec.EllipticCurvePrivateKey, kid: str, body: bytes, *, issued_at: datetime
) -> str:
    """The `Plaid-Verification` value the provider would send for `body` (simulator, tests)."""
    return jwt.encode(
        {
            "iat": int(issued_at.timestamp()),
            "request_body_sha256": hashlib.sha256(body).hexdigest(),
        },
        private_key,
        algorithm=ALGORITHM,
        headers={"kid": kid},
    )


def public_verification_key(
    private_key: ec.EllipticCurvePrivateKey,
    kid: str,
    *,
    created_at: datetime,
    expired_at: datetime | None = None,
) -> WebhookVerificationKey:
    """The public half of `private_key` as `/webhook_verification_key/get` returns it."""
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return WebhookVerificationKey(
        alg=ALGORITHM,
        crv=jwk["crv"],
        kid=kid,
        kty=jwk["kty"],
        use="sig",
        x=jwk["x"],
        y=jwk["y"],
        created_at=int(created_at.timestamp()),
        expired_at=int(expired_at.timestamp()) if expired_at is not None else None,
    )
