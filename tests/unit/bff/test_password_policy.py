"""The password policy and hashing (no I/O)."""

from __future__ import annotations

import pytest

from shared.identity.password_policy import WeakPassword, check_password, policy_problems
from shared.identity.passwords import hash_password, needs_rehash, verify_password


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a1!", "must be at least 8 characters"),
        ("12345678!", "must contain a letter"),
        ("abcdefgh!", "must contain a digit"),
        ("abcdefgh1", "must contain a symbol"),
        ("P@ssw0rd!", "is too common"),
        ("WELCOME1!", "is too common"),
    ],
)
def test_a_password_breaking_a_rule_is_told_which(password, problem):
    assert problem in policy_problems(password)


def test_a_long_mixed_uncommon_password_is_accepted():
    assert check_password("Tartan-Badger-42") == "Tartan-Badger-42"
    with pytest.raises(WeakPassword):
        check_password("password")


async def test_a_hash_is_argon2id_and_verifies_only_the_same_password():
    hashed = await hash_password("Tartan-Badger-42")

    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "Tartan-Badger-42")
    assert not await verify_password(hashed, "Tartan-Badger-43")
    assert not await verify_password(None, "Tartan-Badger-42")
    assert not needs_rehash(hashed)
    assert needs_rehash("not-a-hash")
