"""TOTP codes, replay refusal, secret encryption and recovery codes (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from shared.identity import recovery_codes, totp
from shared.identity.totp import SecretDecryptionError, TotpSecretCipher

NOW = datetime(2026, 12, 2, 8, 0, 10, tzinfo=UTC)


def _code(secret: SecretStr, at: datetime) -> str:
    return pyotp.TOTP(secret.get_secret_value()).at(at)


def test_a_code_matches_its_step_and_one_step_of_drift_either_way():
    secret = totp.new_secret()
    step = totp.time_step(NOW)

    for drift in (-1, 0, 1):
        code = _code(secret, NOW + timedelta(seconds=30 * drift))
        assert totp.matching_step(secret, code, at=NOW, after_step=0) == step + drift
    far = _code(secret, NOW + timedelta(seconds=90))
    assert totp.matching_step(secret, far, at=NOW, after_step=0) is None


def test_a_code_of_an_already_used_step_is_refused():
    secret = totp.new_secret()
    code = _code(secret, NOW)
    step = totp.time_step(NOW)

    assert totp.matching_step(secret, code, at=NOW, after_step=step - 1) == step
    assert totp.matching_step(secret, code, at=NOW, after_step=step) is None
    earlier = _code(secret, NOW - timedelta(seconds=30))
    assert totp.matching_step(secret, earlier, at=NOW, after_step=step) is None


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "12a456", "\uff11\uff12\uff13\uff14\uff15\uff16"]
)  # full-width digits too
def test_malformed_codes_never_match(code):
    assert totp.matching_step(totp.new_secret(), code, at=NOW, after_step=0) is None


def test_spaces_inside_a_code_are_ignored():
    secret = totp.new_secret()
    code = _code(secret, NOW)
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", at=NOW, after_step=0)


def test_the_provisioning_uri_names_the_issuer_and_account():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "ana@example.com")

    assert uri.startswith("otpauth://totp/Origin:ana%40example.com?")
    assert f"secret={secret.get_secret_value()}" in uri and "issuer=Origin" in uri
    assert len(secret.get_secret_value()) == 32  # 160 bits of base32


def test_secrets_are_encrypted_and_old_keys_still_decrypt():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    secret = totp.new_secret()
    stored = TotpSecretCipher.from_setting(SecretStr(old)).encrypt(secret)

    rotated = TotpSecretCipher.from_setting(SecretStr(f"{new}, {old}"))

    assert secret.get_secret_value() not in stored
    assert rotated.decrypt(stored).get_secret_value() == secret.get_secret_value()
    with pytest.raises(SecretDecryptionError):
        TotpSecretCipher.from_setting(SecretStr(new)).decrypt(stored)
    assert "key" not in repr(rotated).lower().replace("keys=", "")


def test_a_malformed_key_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="MFA_SECRET_ENCRYPTION_KEYS"):
        TotpSecretCipher.from_setting(SecretStr("not-a-key"))


def test_recovery_codes_are_distinct_120_bit_and_hash_the_same_however_typed():
    codes = recovery_codes.new_codes()

    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(recovery_codes.normalise(code)) == 24 for code in codes)
    code = codes[0]
    assert recovery_codes.code_hash(code) == recovery_codes.code_hash(
        code.lower().replace("-", " ")
    )
    assert recovery_codes.code_hash(code) != recovery_codes.code_hash(codes[1])
