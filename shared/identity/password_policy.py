"""The password policy for advisors, admins and members signing up.

At least 8 characters (at most 128), with letters, digits and symbols, and not
on the bundled list of common passwords (`common_passwords.txt`, compared
case-insensitively). Failing rules are named so a form can say what to fix.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


class WeakPassword(ValueError):
    """The password breaks the policy; `problems` names each broken rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lowercased (read once)."""
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def policy_problems(password: str) -> list[str]:
    """Every rule the password breaks, in plain words (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    if not any(ch.isalpha() for ch in password):
        problems.append("must contain a letter")
    if not any(ch.isdigit() for ch in password):
        problems.append("must contain a digit")
    if not any(not ch.isalnum() and not ch.isspace() for ch in password):
        problems.append("must contain a symbol")
    if password.lower() in common_passwords():
        problems.append("is too common")
    return problems


def check_password(password: str) -> str:
    """Return the password when it meets the policy, else raise `WeakPassword`."""
    problems = policy_problems(password)
    if problems:
        raise WeakPassword(problems)
    return password
