"""Access tokens encrypted at rest."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.aggregation import AccessTokenCipher, TokenDecryptionError

TOKEN = SecretStr("access-sandbox-0a1b2c3d-0000-0000-0000-000000000001")


def test_a_token_round_trips_and_the_ciphertext_hides_it() -> None:
    cipher = AccessTokenCipher(AccessTokenCipher.generate_key())
    stored = cipher.encrypt(TOKEN)
    assert TOKEN.get_secret_value().encode() not in stored
    assert cipher.decrypt(stored) == TOKEN


def test_a_tampered_ciphertext_is_refused_without_echoing_it() -> None:
    cipher = AccessTokenCipher(AccessTokenCipher.generate_key())
    stored = bytearray(cipher.encrypt(TOKEN))
    stored[20] ^= 1
    with pytest.raises(TokenDecryptionError) as raised:
        cipher.decrypt(bytes(stored))
    assert bytes(stored).decode() not in str(raised.value)


def test_keys_rotate_by_putting_the_new_key_first() -> None:
    old, new = AccessTokenCipher.generate_key(), AccessTokenCipher.generate_key()
    stored = AccessTokenCipher(old).encrypt(TOKEN)
    rotating = AccessTokenCipher([new, old])
    rotated = rotating.rotate(stored)
    assert AccessTokenCipher(new).decrypt(rotated) == TOKEN
    with pytest.raises(TokenDecryptionError):
        AccessTokenCipher(new).decrypt(stored)


def test_the_cipher_never_shows_its_keys() -> None:
    key = AccessTokenCipher.generate_key()
    assert key.get_secret_value() not in repr(AccessTokenCipher(key))


def test_a_malformed_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as raised:
        AccessTokenCipher(SecretStr("not-a-fernet-key"))
    assert "not-a-fernet-key" not in str(raised.value)
