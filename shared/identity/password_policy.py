"""The password policy (OWASP ASVS 5.0 section 6.2) for advisors, admins and members.

- At least 8 characters; 15 or more is recommended and, for a console account whose
  password is its only sign-in factor (MFA neither on nor required for it), required:
  that is NIST SP 800-63B-4's rule for single-factor passwords. In production every
  console account signs in with MFA (`MFA_REQUIRED`), so 8 is the floor there.
- At most 128 characters (ASVS asks for at least 64 to be allowed); any characters,
  spaces included; nothing is truncated.
- No composition rules (ASVS 6.2.5): no "a digit and a symbol".
- Not one of the 30,000 most common passwords of zxcvbn's frequency list (a maintained
  list shipped by the `zxcvbn` package), compared case-insensitively, also once the
  digits and symbols around it are taken off and look-alikes read as letters
  ("Password123!" and "P@ssw0rd!" are "password").
- Not the user's own email, its local part, or their name, nor a word of this service
  (`SERVICE_WORDS`, ASVS 6.2.11), alone or with digits around it ("Origin2025!").

Failing rules are named so a form can say what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Annotated

from pydantic import Field
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
SINGLE_FACTOR_MIN_LENGTH = 15
MAX_LENGTH = 128
RECOMMENDED_LENGTH = SINGLE_FACTOR_MIN_LENGTH
# Name parts shorter than this are too common to refuse inside a password ("Li", "Ana").
_MIN_CONTEXT_WORD = 4
# ASVS 6.2.11's context-specific words: the service's own name and trade, refused as a
# password on their own (with digits or symbols around them), not inside a longer phrase.
SERVICE_WORDS = ("origin", "advisor", "finance", "financial", "wellness")
_NOT_LETTERS_AT_START = re.compile(r"^[^a-z]+")
_NOT_LETTERS_AT_END = re.compile(r"[^a-z]+$")
_NOT_ALNUM_AT_ENDS = re.compile(r"^[\W_]+|[\W_]+$")
_NOT_ALNUM = re.compile(r"[\W_]+")
# Look-alike characters people swap in ("P@ssw0rd"): each common reading, tried in turn.
_LOOK_ALIKES = (
    str.maketrans(
        {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
    ),
    str.maketrans(
        {"@": "a", "4": "a", "0": "o", "1": "l", "!": "l", "3": "e", "$": "s", "5": "s", "7": "t"}
    ),
)


class WeakPassword(ValueError):
    """The password breaks the policy; `problems` names each broken rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the most common passwords, lowercased (built once)."""
    return frozenset(password.lower() for password in FREQUENCY_LISTS["passwords"])


def min_length(*, single_factor: bool) -> int:
    """The shortest password allowed: longer when the password is the only factor."""
    return SINGLE_FACTOR_MIN_LENGTH if single_factor else MIN_LENGTH


def _readings(lowered: str) -> set[str]:
    """The password as typed, without the digits and symbols around it, look-alikes read."""
    trimmed = _NOT_ALNUM_AT_ENDS.sub("", lowered)
    tail_cut = _NOT_LETTERS_AT_END.sub("", lowered)
    core = _NOT_LETTERS_AT_START.sub("", tail_cut)
    readings = {lowered, trimmed, tail_cut, core}
    for table in _LOOK_ALIKES:
        readings |= {trimmed.translate(table), tail_cut.translate(table), core.translate(table)}
    return {reading for reading in readings if len(reading) >= _MIN_CONTEXT_WORD}


def _is_common(password: str) -> bool:
    return not common_passwords().isdisjoint(_readings(password.lower()))


def _context_words(user_inputs: Iterable[str]) -> set[str]:
    """The forms of the user's email and name a password may not be."""
    words: set[str] = set()
    for value in user_inputs:
        lowered = value.casefold().strip()
        if not lowered:
            continue
        parts = [lowered, *lowered.split("@", 1)[:1], *re.split(r"[\s@._+-]+", lowered)]
        for part in parts:
            squeezed = _NOT_ALNUM.sub("", part)
            if len(squeezed) >= _MIN_CONTEXT_WORD:
                words.add(squeezed)
    return words


def _is_personal(password: str, user_inputs: Iterable[str]) -> bool:
    words = _context_words(user_inputs)
    readings = {_NOT_ALNUM.sub("", reading) for reading in _readings(password.casefold())}
    return not words.isdisjoint(readings)


def policy_problems(
    password: str, *, min_chars: int = MIN_LENGTH, user_inputs: Iterable[str] = ()
) -> list[str]:
    """Every rule the password breaks, in plain words (empty when it is acceptable).

    `min_chars` is `min_length(...)` for the account; `user_inputs` are the user's
    email and name.
    """
    problems = []
    if len(password) < min_chars:
        if min_chars >= RECOMMENDED_LENGTH:
            problems.append(
                f"must be at least {min_chars} characters while it is this account's only"
                " sign-in factor (no multi-factor authentication)"
            )
        else:
            problems.append(
                f"must be at least {min_chars} characters ({RECOMMENDED_LENGTH} or more"
                " recommended)"
            )
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    if _is_common(password):
        problems.append("is one of the most common passwords")
    if _is_personal(password, user_inputs):
        problems.append("must not be your email address or name")
    elif _is_personal(password, SERVICE_WORDS):
        problems.append("must not be the name of this service")
    return problems


def account_problems(
    password: str, *, email: str, full_name: str, single_factor: bool
) -> list[str]:
    """The policy's complaints about a password for a console account.

    `single_factor`: the account will sign in with the password alone (MFA neither on
    nor required for it), so the password must be 15 characters or more.
    """
    return policy_problems(
        password, min_chars=min_length(single_factor=single_factor), user_inputs=(email, full_name)
    )


def check_password(
    password: str, *, min_chars: int = MIN_LENGTH, user_inputs: Iterable[str] = ()
) -> str:
    """Return the password when it meets the policy, else raise `WeakPassword`."""
    problems = policy_problems(password, min_chars=min_chars, user_inputs=user_inputs)
    if problems:
        raise WeakPassword(problems)
    return password


# A new password as the API takes it: the policy's lengths are published in the schema
# (a client generated from it knows them) while the policy itself judges the value, so
# its plain-words message is the one a too-short or too-long password gets.
NewPassword = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        json_schema_extra={
            "minLength": MIN_LENGTH,
            "maxLength": MAX_LENGTH,
            "description": (
                f"{MIN_LENGTH} to {MAX_LENGTH} characters ({SINGLE_FACTOR_MIN_LENGTH} or more"
                " for an account without multi-factor authentication); not one of the most"
                " common passwords, not the account's email or name."
            ),
        },
    ),
]
