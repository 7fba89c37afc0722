"""Table ownership (#20): every statement that writes a table lives in that table's owner module.

The scan reads the source of the deployables and shared code (not tests, benchmarks or
migrations) and finds each write statement (`INSERT INTO`, `UPDATE`, `DELETE FROM`, `COPY`,
`MERGE INTO`, `TRUNCATE`; an upsert is an `INSERT`) in its string literals, adjacent literals
and `+`/f-string pieces joined as Python joins them. SQL keywords are upper case and table names
lower case in this code base, so prose ("update the page") and `FOR UPDATE OF t` are not writes;
docstrings are skipped. A table's owner may expose a statement head to another module's single
statement (the webhook intake writes its outbox rows with `outbox.INSERT_INTO`): the literal
stays in the owner.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bff", "gateway", "shared", "connectors")
SKIPPED = ("shared/migrations",)

OWNERS = {
    # The messaging mechanism's tables.
    "outbox": "shared.messaging.outbox",
    "inbox": "shared.messaging.inbox",
    "webhook_events": "gateway.webhooks.events",
    # Written by both deployables, so owned in shared/.
    "sms_messages": "shared.sms.messages",
    "appointments": "shared.appointments",
    "eligibility_files": "shared.eligibility.files",
    "email_messages": "shared.email.messages",
    # One aggregate: a linked login, its accounts and their transactions.
    "linked_items": "gateway.accounts.linked_items",
    "accounts": "gateway.accounts.linked_items",
    "transactions": "gateway.accounts.linked_items",
    "eligibility_staging": "gateway.eligibility.staging",
    "eligibility_records": "gateway.eligibility.apply",
    "stuck_work_retries": "gateway.stuck_work",
    "provider_breakers": "gateway.switchboard",
    "job_runs": "shared.jobs.runs",
    "scheduled_jobs": "shared.jobs.runs",
    "switches": "shared.switches",
    "schema_migrations": "shared.migrate",
    "account_events": "shared.identity.account_events",
    "mfa_challenges": "shared.identity.mfa_challenges",
    "mfa_recovery_codes": "shared.identity.recovery_codes",
    "user_mfa": "shared.identity.mfa",
    "login_failures": "shared.identity.sign_in_attempts",
    "pending_signups": "shared.identity.pending_signups",
    "signup_attempts": "shared.identity.sign_in_attempts",
    "risk_profiles": "bff.members.risk_profiles",
    # A member with their profile and notes: the bff, the worker and seed-demo write it.
    "members": "shared.members",
    "member_profiles": "shared.members",
    "member_notes": "shared.members",
    "employers": "shared.employers",
    "users": "shared.identity.users",
    "user_sessions": "shared.identity.sessions",
    "audit_log": "bff.web.audit",
    # Written by triggers; their one statement in Python is retention's delete.
    "member_changes": "gateway.retention",
    "account_balance_history": "gateway.retention",
}

# Modules allowed a write whose table is computed at run time: none (a computed table name
# would hide its writer from this test).
DYNAMIC_WRITERS: frozenset[str] = frozenset()

_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|MERGE\s+INTO|TRUNCATE(?:\s+TABLE)?)"
    r"\s+(?:ONLY\s+)?(?P<table>[a-z_][a-z0-9_]*|\x00)"
)
_HOLE = "\x00"  # where a joined string has a computed piece


def _texts(tree: ast.AST) -> Iterator[str]:
    """The string literals of a module as Python joins them, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value
        elif isinstance(node, ast.JoinedStr | ast.BinOp):
            yield _joined(node)


def _joined(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_joined(value) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _joined(node.left) + _joined(node.right)
    return _HOLE


def writes_in(source: str) -> set[str]:
    """The tables the source's statements write (`\\x00` for a computed table name)."""
    return {match["table"] for text in _texts(ast.parse(source)) for match in _WRITE.finditer(text)}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(SKIPPED):
                continue
            name = relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            yield name, path


@cache
def _writers() -> dict[str, frozenset[str]]:
    """Table -> the modules whose statements write it."""
    writers: dict[str, set[str]] = {}
    for module, path in _modules():
        for table in writes_in(path.read_text(encoding="utf-8")):
            writers.setdefault(table, set()).add(module)
    return {table: frozenset(modules) for table, modules in writers.items()}


def test_each_owned_table_is_written_only_by_its_owner():
    writers = _writers()

    strays = {
        table: sorted(modules - {OWNERS[table]})
        for table, modules in writers.items()
        if table in OWNERS and modules - {OWNERS[table]}
    }

    assert strays == {}, "write these tables through their owner (OWNERS) instead"


def test_each_owner_holds_its_tables_writes():
    writers = _writers()

    stale = {table: owner for table, owner in OWNERS.items() if owner not in writers.get(table, ())}

    assert stale == {}


def test_every_written_table_has_an_owner():
    writers = _writers()

    unowned = sorted(set(writers) - set(OWNERS) - {_HOLE})

    assert unowned == [], "name the owner module of each new table in OWNERS"


def test_no_module_writes_a_table_it_computes():
    assert _writers().get(_HOLE, frozenset()) <= DYNAMIC_WRITERS


def test_the_scan_sees_writes_however_the_statement_is_spelled():
    source = '''
"""Module docstring: UPDATE sms_messages is prose here."""
HEAD = "INSERT INTO outbox (message_id) "
async def f(cur, table, rows):
    """UPDATE appointments in a docstring is not a statement."""
    await cur.execute("UPDATE sms_messages"
                      " SET status = 'failed' WHERE id = %s", ())
    await cur.execute("SELECT 1 FROM linked_items FOR UPDATE OF t SKIP LOCKED")
    await cur.execute("WITH s AS (" + HEAD + "SELECT 1) DELETE FROM inbox r WHERE true")
    await cur.execute(f"DELETE FROM {table} WHERE id = %s")
    await cur.execute("INSERT INTO eligibility_records AS r " + rows + " ON CONFLICT DO NOTHING")
    await cur.execute("COPY eligibility_staging (file_id) FROM STDIN")
    log.info("update since the last copy of the file")
'''

    assert writes_in(source) == {
        "sms_messages",
        "outbox",
        "inbox",
        _HOLE,
        "eligibility_records",
        "eligibility_staging",
    }
