"""Plaid-Verification: a published real webhook, key handling, age, alg, and body mutation."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from connectors.aggregation import (
    PlaidWebhookVerifier,
    WebhookVerificationKey,
    public_verification_key,
    sign_plaid_webhook,
)
from connectors.errors import (
    PermanentError,
    RateLimited,
    TransientError,
    WebhookVerificationError,
)

# A real webhook quoted in a public Stack Overflow question about Plaid webhook verification
# (question 62117400), with the key /webhook_verification_key/get returned for it. The raw
# body is Plaid's two-space-indented JSON; its SHA-256 is the JWT's request_body_sha256.
PUBLISHED_JWT = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6Ikp"
    "XVCJ9.eyJpYXQiOjE1OTA4ODcwMDEsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJiNjNhMDdiNTQ3YjAwZjk5MjU0N2Y2Ym"
    "JjOGQ5YWNjNjFhOGNjZWUxMzhiYzgyZjQ0YTZiYWEwOTY4M2E1ZDBmIn0.OOKvIihgqCj7Qrb2bmz7T3t7uK-0Jyji"
    "EqL2s1kWeJBM4MMmjaHKK8GmU_z91QolBWMzvPgs718EElY-rE3cwQ"
)
PUBLISHED_KEY = WebhookVerificationKey(
    alg="ES256",
    created_at=1560466143,
    crv="P-256",
    expired_at=None,
    kid="6c5516e1-92dc-479e-a8ff-5a51992e0001",
    kty="EC",
    use="sig",
    x="35lvC8uz2QrWpQJ3TUH8t9o9DURMp7ydU518RKDl20k",
    y="I8BuXB2bvxelzJAd7OKhd-ZwjCst05Fx47Mb_0ugros",
)
PUBLISHED_BODY = (
    b'{\n  "error": null,\n  "item_id": "yxQbxDjnD8hr69pKbQpbcKeVn3GL9QuyA7NV3",\n'
    b'  "new_transactions": 390,\n  "webhook_code": "HISTORICAL_UPDATE",\n'
    b'  "webhook_type": "TRANSACTIONS"\n}'
)
PUBLISHED_AT = datetime.fromtimestamp(1590887001, UTC)

B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
KID = "kid-1"
BODY = b'{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"i1"}'
PRIVATE = ec.generate_private_key(ec.SECP256R1())


class KeyServer:
    """Stands in for `/webhook_verification_key/get` and counts look-ups."""

    def __init__(self, *keys: WebhookVerificationKey) -> None:
        self.keys = {key.kid: key for key in keys}
        self.fetches: list[str] = []
        self.failure: Exception | None = None

    async def __call__(self, kid: str) -> WebhookVerificationKey:
        self.fetches.append(kid)
        if self.failure is not None:
            raise self.failure
        if kid not in self.keys:
            raise PermanentError("plaid", "webhook_verification_key.get", status=400)
        return self.keys[kid]


def server(expired_at: datetime | None = None) -> KeyServer:
    return KeyServer(
        public_verification_key(
            PRIVATE, KID, created_at=NOW - timedelta(days=30), expired_at=expired_at
        )
    )


def verifier(keys: KeyServer, now: datetime = NOW) -> PlaidWebhookVerifier:
    return PlaidWebhookVerifier(keys, clock=lambda: now)


async def test_the_published_webhook_verifies() -> None:
    keys = KeyServer(PUBLISHED_KEY)
    claims = await verifier(keys, PUBLISHED_AT + timedelta(seconds=10)).verify(
        PUBLISHED_JWT, PUBLISHED_BODY
    )
    assert claims["request_body_sha256"].startswith("b63a07b5")


async def test_the_published_webhook_is_refused_once_five_minutes_old() -> None:
    keys = KeyServer(PUBLISHED_KEY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        await verifier(keys, PUBLISHED_AT + timedelta(minutes=5, seconds=1)).verify(
            PUBLISHED_JWT, PUBLISHED_BODY
        )


async def test_any_changed_byte_of_the_body_is_refused() -> None:
    keys = server()
    token = sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW)
    check = verifier(keys)
    await check.verify(token, BODY)
    for i in range(len(BODY)):
        body = BODY[:i] + bytes([BODY[i] ^ 1]) + BODY[i + 1 :]
        with pytest.raises(WebhookVerificationError, match="body"):
            await check.verify(token, body)


async def test_any_changed_character_of_the_jwt_is_refused() -> None:
    token = sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW)
    keys = server()
    check = verifier(keys)
    # Alter every character of the payload and signature segments in its highest bit, so the
    # change never falls in the unused low bits of a segment's last base64url character.
    start = token.index(".") + 1
    for i in range(start, len(token)):
        if token[i] == ".":
            continue
        swapped = B64URL[B64URL.index(token[i]) ^ 32]
        with pytest.raises(WebhookVerificationError):
            await check.verify(token[:i] + swapped + token[i + 1 :], BODY)


async def test_a_webhook_signed_by_another_key_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    token = sign_plaid_webhook(other, KID, BODY, issued_at=NOW)
    with pytest.raises(WebhookVerificationError, match="signature"):
        await verifier(server()).verify(token, BODY)


@pytest.mark.parametrize("alg", ["HS256", "none", "RS256", "ES384"])
async def test_any_algorithm_but_es256_is_refused_before_a_key_lookup(alg: str) -> None:
    keys = server()
    header = {"alg": alg, "kid": KID, "typ": "JWT"}
    token = ".".join(
        [
            jwt.utils.base64url_encode(json.dumps(header).encode()).decode(),
            jwt.utils.base64url_encode(b'{"iat":1,"request_body_sha256":"x"}').decode(),
            "c2ln",
        ]
    )
    with pytest.raises(WebhookVerificationError, match="ES256"):
        await verifier(keys).verify(token, BODY)
    assert keys.fetches == []


async def test_an_expired_key_is_refused() -> None:
    keys = server(expired_at=NOW - timedelta(seconds=1))
    token = sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW)
    with pytest.raises(WebhookVerificationError, match="expired"):
        await verifier(keys).verify(token, BODY)


async def test_a_key_that_expires_later_is_still_accepted() -> None:
    keys = server(expired_at=NOW + timedelta(hours=1))
    await verifier(keys).verify(sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW), BODY)


async def test_the_key_is_fetched_once_and_cached() -> None:
    keys = server()
    check = verifier(keys)
    for _ in range(3):
        await check.verify(sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW), BODY)
    assert keys.fetches == [KID]


async def test_an_unknown_key_is_refused_and_not_looked_up_again_at_once() -> None:
    keys = server()
    token = sign_plaid_webhook(PRIVATE, "kid-forged", BODY, issued_at=NOW)
    check = verifier(keys)
    for _ in range(3):
        with pytest.raises(WebhookVerificationError, match="unknown"):
            await check.verify(token, BODY)
    assert keys.fetches == ["kid-forged"]


async def test_forged_webhooks_naming_new_keys_cause_at_most_ten_lookups_a_minute() -> None:
    keys = server()
    now = [NOW]
    check = PlaidWebhookVerifier(keys, clock=lambda: now[0])
    refused, limited = 0, 0

    for n in range(100):
        token = sign_plaid_webhook(PRIVATE, f"kid-forged-{n}", BODY, issued_at=NOW)
        try:
            await check.verify(token, BODY)
        except RateLimited as exc:
            limited += 1
            assert exc.retry_after is not None and 0 < exc.retry_after <= 60
        except WebhookVerificationError:
            refused += 1

    assert len(keys.fetches) == 10
    assert (refused, limited) == (10, 90)
    # A minute later the budget is back, and the genuine key is still found.
    now[0] = NOW + timedelta(seconds=61)
    await check.verify(sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=now[0]), BODY)
    assert keys.fetches[-1] == KID


async def test_an_unknown_key_is_remembered_for_an_hour() -> None:
    keys = server()
    now = [NOW]
    check = PlaidWebhookVerifier(keys, clock=lambda: now[0])
    token = sign_plaid_webhook(PRIVATE, "kid-forged", BODY, issued_at=NOW)

    for minutes in (0, 30, 59):
        now[0] = NOW + timedelta(minutes=minutes)
        with pytest.raises(WebhookVerificationError, match="unknown"):
            await check.verify(token, BODY)
    assert keys.fetches == ["kid-forged"]
    now[0] = NOW + timedelta(minutes=61)
    with pytest.raises(WebhookVerificationError):
        await check.verify(token, BODY)
    assert keys.fetches == ["kid-forged", "kid-forged"]


async def test_a_key_service_outage_is_transient_so_the_provider_retries() -> None:
    keys = server()
    keys.failure = TransientError("plaid", "webhook_verification_key.get", status=503)
    with pytest.raises(TransientError):
        await verifier(keys).verify(sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=NOW), BODY)


@pytest.mark.parametrize(
    ("issued", "accepted"),
    [
        (NOW - timedelta(minutes=5), True),
        (NOW - timedelta(minutes=5, seconds=1), False),
        (NOW + timedelta(seconds=10), True),
        (NOW + timedelta(minutes=2), False),
    ],
)
async def test_iat_must_be_at_most_five_minutes_old(issued: datetime, accepted: bool) -> None:
    token = sign_plaid_webhook(PRIVATE, KID, BODY, issued_at=issued)
    if accepted:
        await verifier(server()).verify(token, BODY)
    else:
        with pytest.raises(WebhookVerificationError):
            await verifier(server()).verify(token, BODY)


async def test_a_token_without_the_body_hash_claim_is_refused() -> None:
    token = jwt.encode(
        {"iat": int(NOW.timestamp())}, PRIVATE, algorithm="ES256", headers={"kid": KID}
    )
    with pytest.raises(WebhookVerificationError):
        await verifier(server()).verify(token, BODY)


@pytest.mark.parametrize("token", [None, "", "not-a-jwt"])
async def test_a_missing_or_garbled_header_is_refused(token: str | None) -> None:
    with pytest.raises(WebhookVerificationError):
        await verifier(server()).verify(token, BODY)
