"""`create-user`: create an advisor or admin; the password is read from stdin, never argv."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared.database import create_pool, transaction
from shared.identity.password_policy import policy_problems
from shared.identity.passwords import hash_password
from shared.identity.users import EmailTaken, Role, create_user
from shared.ops.cli import print_json
from shared.settings import Settings


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    parser = subparsers.add_parser(
        "create-user", help="create an advisor or admin (password on stdin)"
    )
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.set_defaults(run=create_user_command)


def _read_password() -> str:
    """First line of stdin (piped), or a hidden prompt on a terminal."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


async def create_user_command(settings: Settings, args: argparse.Namespace) -> int:
    """Create the user; exit 1 when the password breaks the policy, 3 when the email exists."""
    password = _read_password()
    problems = policy_problems(password)
    if problems:
        print("password " + "; ".join(problems), file=sys.stderr)
        return 1
    password_hash = await hash_password(password)
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )
    try:
        async with transaction(pool) as cur:
            user = await create_user(
                cur,
                email=args.email,
                full_name=args.name,
                role=Role(args.role),
                password_hash=password_hash,
            )
    except EmailTaken:
        print("a user with this email exists", file=sys.stderr)
        return 3
    finally:
        pool.close()
        await pool.wait_closed()
    print_json({"id": str(user.id), "email": user.email, "role": user.role.value})
    return 0
