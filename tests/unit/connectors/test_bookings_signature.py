"""Calendly-Webhook-Signature: the documented scheme, mutation and replay."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from connectors.bookings import CalendlySignatureVerifier, sign_calendly_webhook
from connectors.errors import WebhookVerificationError

KEY = SecretStr("calendly-signing-key")
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
BODY = b'{"event":"invitee.created","created_at":"2026-03-01T12:00:00Z","payload":{"uri":"u"}}'


def verifier(now: datetime = NOW, key: SecretStr = KEY) -> CalendlySignatureVerifier:
    return CalendlySignatureVerifier(key, clock=lambda: now)


def test_the_documented_scheme_is_what_is_verified() -> None:
    # The docs: HMAC-SHA256 keyed by the signing key over "<t>." + raw body, hex, in v1.
    t = int(NOW.timestamp())
    v1 = hmac.new(b"calendly-signing-key", f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    verifier().verify(f"t={t},v1={v1}", BODY)
    assert sign_calendly_webhook(KEY, BODY, at=NOW) == f"t={t},v1={v1}"


def _mutations(data: bytes) -> list[bytes]:
    return [data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :] for i in range(len(data))]


def test_any_changed_byte_of_the_body_is_refused() -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    for body in _mutations(BODY):
        with pytest.raises(WebhookVerificationError):
            verifier().verify(header, body)


def test_any_changed_byte_of_the_header_is_refused() -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    for mutated in _mutations(header.encode()):
        with pytest.raises(WebhookVerificationError):
            verifier().verify(mutated.decode("latin-1"), BODY)


def test_any_changed_byte_of_the_secret_is_refused() -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    for secret in _mutations(KEY.get_secret_value().encode()):
        with pytest.raises(WebhookVerificationError):
            verifier(key=SecretStr(secret.decode())).verify(header, BODY)


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=3, seconds=1), -timedelta(minutes=3, seconds=1)]
)
def test_a_timestamp_outside_three_minutes_is_refused(offset: timedelta) -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verifier(NOW + offset).verify(header, BODY)


def test_a_timestamp_within_three_minutes_is_accepted() -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    verifier(NOW + timedelta(minutes=3)).verify(header, BODY)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "t=1",
        "v1=abc",
        "t=abc,v1=abc",
        "t=1,t=2,v1=abc",
        "t=99999999999999,v1=a",
    ],
)
def test_a_missing_or_malformed_header_is_refused(header: str | None) -> None:
    with pytest.raises(WebhookVerificationError):
        verifier().verify(header, BODY)


def test_one_matching_signature_among_several_is_enough() -> None:
    header = sign_calendly_webhook(KEY, BODY, at=NOW)
    verifier().verify(header.replace("v1=", "v1=deadbeef,v1="), BODY)
