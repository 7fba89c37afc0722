"""TOTP (RFC 6238) second factor: secrets, their encryption at rest, and code checks.

Codes are the authenticator apps' default: 6 digits, 30-second steps, HMAC-SHA1. A
code is accepted for the current step and one step either side (clock drift), and
only for a step later than the last one accepted for the user, so a code seen over a
shoulder or in a log cannot be replayed. Secrets are stored Fernet-encrypted
(`MFA_SECRET_ENCRYPTION_KEYS`, newest first: the first key encrypts, all decrypt).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

ISSUER = "Origin"
DIGITS = 6
STEP_SECONDS = 30
# Steps either side of now that still count (30 s of clock drift each way).
DRIFT_STEPS = 1


class SecretDecryptionError(Exception):
    """A stored TOTP secret could not be decrypted with any configured key."""


class TotpSecretCipher:
    """Encrypts TOTP secrets for storage; errors never include key or ciphertext."""

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        if not keys:
            raise ValueError("MFA_SECRET_ENCRYPTION_KEYS needs at least one Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(key.get_secret_value()) for key in keys])
        except ValueError:
            raise ValueError(
                "MFA_SECRET_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes)"
            ) from None

    @classmethod
    def from_setting(cls, keys: SecretStr) -> TotpSecretCipher:
        """The cipher of a comma-separated, newest-first key list."""
        parts = [part.strip() for part in keys.get_secret_value().split(",")]
        return cls([SecretStr(part) for part in parts if part])

    def __repr__(self) -> str:
        return "TotpSecretCipher(keys=**********)"

    def encrypt(self, secret: SecretStr) -> str:
        """Ciphertext (text) to store in place of the secret."""
        return self._fernet.encrypt(secret.get_secret_value().encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> SecretStr:
        """The secret back, or `SecretDecryptionError` when no key opens it."""
        try:
            return SecretStr(self._fernet.decrypt(ciphertext.encode("ascii")).decode())
        except InvalidToken:
            raise SecretDecryptionError("stored TOTP secret cannot be decrypted") from None


def new_secret() -> SecretStr:
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return SecretStr(pyotp.random_base32(length=32))


def provisioning_uri(secret: SecretStr, account: str) -> str:
    """The `otpauth://totp/...` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(
        secret.get_secret_value(), digits=DIGITS, interval=STEP_SECONDS
    ).provisioning_uri(name=account, issuer_name=ISSUER)


def time_step(at: datetime) -> int:
    """The RFC 6238 time step of an instant."""
    return int(at.timestamp()) // STEP_SECONDS


def code_at_step(secret: SecretStr, step: int) -> str:
    """The code of one time step (what an authenticator shows during it)."""
    return pyotp.TOTP(secret.get_secret_value(), digits=DIGITS, interval=STEP_SECONDS).generate_otp(
        step
    )


def normalise_code(code: str) -> str:
    """The code without the spaces people type or paste inside it."""
    return "".join(code.split())


def matching_step(secret: SecretStr, code: str, *, at: datetime, after_step: int) -> int | None:
    """The step whose code this is, within the drift window and later than `after_step`.

    None when the code is wrong, too old, or already used (its step is not later than
    the last accepted one). Every candidate is compared in constant time.
    """
    code = normalise_code(code)
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    now = time_step(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at_step(secret, step), code) and step > after_step:
            found = step
    return found
