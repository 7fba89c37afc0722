"""Access tokens encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from cryptography).

The first key encrypts; every key decrypts, so keys rotate by putting a new
one first, re-encrypting with `rotate`, then dropping the old one. Plaintext
only ever exists as `SecretStr`, and errors never include ciphertext.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


class TokenDecryptionError(Exception):
    """A stored token could not be decrypted with any configured key."""


class AccessTokenCipher:
    """Encrypts and decrypts access tokens for storage."""

    def __init__(self, keys: SecretStr | Sequence[SecretStr]) -> None:
        key_list = [keys] if isinstance(keys, SecretStr) else list(keys)
        if not key_list:
            raise ValueError("at least one encryption key is required")
        try:
            self._fernet = MultiFernet([Fernet(k.get_secret_value()) for k in key_list])
        except ValueError:
            raise ValueError("encryption keys must be 32 url-safe base64-encoded bytes") from None

    def __repr__(self) -> str:
        return "AccessTokenCipher(keys=**********)"

    @staticmethod
    def generate_key() -> SecretStr:
        """A fresh random key, for set-up scripts and tests."""
        return SecretStr(Fernet.generate_key().decode("ascii"))

    def encrypt(self, token: SecretStr) -> bytes:
        """Ciphertext to store in place of the token."""
        return self._fernet.encrypt(token.get_secret_value().encode())

    def decrypt(self, ciphertext: bytes) -> SecretStr:
        """The token back, or `TokenDecryptionError` if no key opens it (or it was altered)."""
        try:
            return SecretStr(self._fernet.decrypt(ciphertext).decode())
        except InvalidToken:
            raise TokenDecryptionError("stored access token cannot be decrypted") from None

    def rotate(self, ciphertext: bytes) -> bytes:
        """Re-encrypt a stored token under the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext)
        except InvalidToken:
            raise TokenDecryptionError("stored access token cannot be decrypted") from None
