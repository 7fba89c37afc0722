"""The password policy (ASVS 6.2) and hashing (no I/O)."""

from __future__ import annotations

import pytest

from shared.identity.password_policy import (
    MAX_LENGTH,
    WeakPassword,
    account_problems,
    check_password,
    common_passwords,
    policy_problems,
)
from shared.identity.passwords import hash_password, needs_rehash, verify_password


def test_the_common_list_is_zxcvbns_thirty_thousand():
    assert len(common_passwords()) >= 29_000
    assert {"password", "dragon", "matrix123", "zaq12wsx"} <= common_passwords()


@pytest.mark.parametrize(
    "password",
    [
        # None of these were on the 195-line list we carried before.
        "matrix123",
        "dragonfly",
        "zaq12wsx",
        "LETMEIN!",
        "Qwerty123",
        # Decorated and look-alike forms of listed ones.
        "Password123!",
        "P@ssw0rd!",
        "!!monkey2024",
    ],
)
def test_a_common_password_is_refused(password):
    assert "is one of the most common passwords" in policy_problems(password)


@pytest.mark.parametrize(
    "password",
    ["kT9#vq2L", "correct horse battery staple", "tartanbadger", "ÜberLängeWörter", "a b c d e"],
)
def test_no_composition_rule_is_imposed(password):
    assert policy_problems(password.ljust(8, "x")) == []


def test_length_is_at_least_8_with_15_recommended_and_up_to_128_allowed():
    short = policy_problems("kT9#vq2")
    assert short == ["must be at least 8 characters (15 or more recommended)"]
    assert policy_problems("kT9#vq2L") == []
    assert policy_problems("Zq" * 32) == []  # 64 characters, as ASVS asks at least
    assert policy_problems("Zq" * 64) == []
    assert policy_problems("Zq" * 64 + "x") == [f"must be at most {MAX_LENGTH} characters"]


def test_a_password_that_is_the_only_factor_needs_15_characters():
    eight = "kT9#vq2L"
    assert account_problems(eight, email="a@x.com", full_name="A", single_factor=False) == []
    problems = account_problems(eight, email="a@x.com", full_name="A", single_factor=True)
    assert problems and "at least 15 characters" in problems[0]
    assert not account_problems(
        "kT9#vq2L-wide-15", email="a@x.com", full_name="A", single_factor=True
    )


@pytest.mark.parametrize(
    "password",
    [
        "gwen.fairbanks@example.com",
        "GwenFairbanks",
        "gwen.fairbanks2024!",
        "Fairbanks#1",
        "f@irbanks",
    ],
)
def test_the_users_own_email_or_name_is_refused(password):
    problems = account_problems(
        password,
        email="gwen.fairbanks@example.com",
        full_name="Gwen Fairbanks",
        single_factor=False,
    )
    assert "must not be your email address or name" in problems


def test_the_services_own_name_is_refused_alone_but_not_inside_a_phrase():
    assert "must not be the name of this service" in policy_problems("Origin2025!")
    assert "must not be the name of this service" in policy_problems("0rigin123!")
    assert policy_problems("my origin story is long") == []


def test_check_password_raises_with_every_problem():
    assert check_password("Tartan-Badger-42") == "Tartan-Badger-42"
    with pytest.raises(WeakPassword) as caught:
        check_password("passwor")
    assert len(caught.value.problems) == 2


async def test_a_hash_is_argon2id_and_verifies_only_the_same_password():
    hashed = await hash_password("Tartan-Badger-42")

    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "Tartan-Badger-42")
    assert not await verify_password(hashed, "Tartan-Badger-43")
    assert not await verify_password(None, "Tartan-Badger-42")
    assert not needs_rehash(hashed)
    assert needs_rehash("not-a-hash")
