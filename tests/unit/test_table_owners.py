"""Table ownership: every statement that writes a table lives in that table's owner module.

The source of the deployables, `shared` and the connectors is scanned (not tests, bench or
migrations) for SQL that writes (INSERT INTO, UPDATE, DELETE FROM, COPY, MERGE INTO: an
upsert is an INSERT) and each table in `OWNERS` must be written from its owner and nowhere
else. Other modules call the owner; a one-statement hot path composes the SQL fragments
(CTE bodies) its owners export. The scan reads string literals as Python joins them
(implicitly concatenated lines are one string, an f-string's placeholders are gaps), so a
statement split over lines is still seen; a table name built at run time is not.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bff", "gateway", "shared", "connectors")

# table -> the one module that writes it.
OWNERS = {
    "members": "shared.members",
    "member_profiles": "shared.members",
    "member_notes": "shared.members",
    "employers": "shared.employers",
    "users": "shared.identity.users",
    "user_sessions": "shared.identity.sessions",
    "audit_log": "bff.web.audit",
    # Written from one module already.
    "login_failures": "bff.auth.login_throttle",
    "signup_attempts": "bff.signup.routes",
    "pending_signups": "bff.signup.pending",
    "risk_profiles": "bff.members.risk_profiles",
    "email_messages": "shared.email.messages",
    "user_mfa": "shared.identity.mfa",
    "mfa_challenges": "shared.identity.mfa_challenges",
    "mfa_recovery_codes": "shared.identity.recovery_codes",
    "account_events": "shared.identity.account_events",
}

# `ON CONFLICT ... DO UPDATE` and `FOR UPDATE` name no table of their own.
_NOT_A_STATEMENT = re.compile(r"\b(?:DO|FOR(?:\s+NO\s+KEY)?)\s+UPDATE\b")
_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|MERGE\s+INTO)\s+(?:ONLY\s+)?(?:\w+\.)?(\w+)"
)


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal of a module; an f-string with its placeholders as gaps."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            found.append(
                " ".join(
                    part.value
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                    else " {} "
                    for part in node.values
                )
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


def written_tables(source: str) -> set[str]:
    """The tables a module's source writes in SQL."""
    return {
        match.group(1)
        for text in _strings(ast.parse(source))
        for match in _WRITE.finditer(_NOT_A_STATEMENT.sub(" ", text))
    }


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def scan() -> dict[str, frozenset[str]]:
    """Table -> the modules whose source writes it, over the scanned packages."""
    writers: dict[str, set[str]] = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            for table in written_tables(path.read_text()):
                writers.setdefault(table, set()).add(_module(path))
    return {table: frozenset(modules) for table, modules in writers.items()}


@pytest.mark.parametrize("table", sorted(OWNERS))
def test_each_table_is_written_by_its_owner_and_nowhere_else(table: str) -> None:
    assert scan().get(table, frozenset()) == {OWNERS[table]}


def test_the_scan_sees_writes_split_over_lines_in_f_strings_and_in_ctes() -> None:
    source = """
async def f(cur, names):
    await cur.execute(
        "UPDATE members m"
        " SET country = %s"
    )
    await cur.execute(f"INSERT INTO member_profiles (member_id, {names}) VALUES (%s)")
    await cur.execute("WITH x AS (DELETE FROM user_sessions RETURNING 1) SELECT 1")
    await cur.execute("INSERT INTO employers (id) VALUES (%s) ON CONFLICT DO UPDATE SET id = 1")
    await cur.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE")
    await cur.execute("SELECT 1 FROM users WHERE id = %s FOR NO KEY UPDATE OF users")
"""
    assert written_tables(source) == {"members", "member_profiles", "user_sessions", "employers"}
