"""`create-user` and `reset-password`: passwords are read from stdin, never argv.

A new admin (and, where MFA_REQUIRED is on, every new user) sets up multi-factor
sign-in at their first sign-in before any data is reachable. `reset-password` is the
operator's way back into an account (a sole admin who lost their phone): a temporary
password to change at next sign-in, every session ended, and with `--reset-mfa` the
authenticator forgotten so they enroll again. Both are audited (`account_events`,
actor NULL: an operator).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared.database import Pool, create_pool, transaction
from shared.identity.account_reset import reset_account
from shared.identity.password_policy import account_problems
from shared.identity.passwords import hash_password
from shared.identity.users import EmailTaken, Role, create_user, credentials_by_email
from shared.ops.command import print_json
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
    reset = subparsers.add_parser(
        "reset-password",
        help="give a user a temporary password (stdin) to change at next sign-in",
    )
    reset.add_argument("--email", required=True)
    reset.add_argument(
        "--reset-mfa", action="store_true", help="also forget their authenticator (re-enroll)"
    )
    reset.set_defaults(run=reset_password_command)


def _read_password() -> str:
    """First line of stdin (piped), or a hidden prompt on a terminal."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


async def create_user_command(settings: Settings, args: argparse.Namespace) -> int:
    """Create the user; exit 1 when the password breaks the policy, 3 when the email exists."""
    password = _read_password()
    role = Role(args.role)
    problems = account_problems(
        password,
        email=args.email,
        full_name=args.name,
        single_factor=role is not Role.ADMIN and not settings.mfa_required_for_everyone,
    )
    if problems:
        print("password " + "; ".join(problems), file=sys.stderr)
        return 1
    password_hash = await hash_password(password)
    pool = await _pool(settings)
    try:
        async with transaction(pool) as cur:
            user = await create_user(
                cur,
                email=args.email,
                full_name=args.name,
                role=role,
                password_hash=password_hash,
            )
    except EmailTaken:
        print("a user with this email exists", file=sys.stderr)
        return 3
    finally:
        pool.close()
        await pool.wait_closed()
    print_json(
        {
            "id": str(user.id),
            "email": user.email,
            "role": user.role.value,
            "mfa_enrollment_at_first_sign_in": user.mfa_required(
                for_everyone=settings.mfa_required_for_everyone
            ),
        }
    )
    return 0


async def _pool(settings: Settings) -> Pool:
    return await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-ops",
    )


async def reset_password_command(settings: Settings, args: argparse.Namespace) -> int:
    """Reset the user; exit 1 when the password breaks the policy, 4 when no such user."""
    password = _read_password()
    pool = await _pool(settings)
    try:
        async with transaction(pool) as cur:
            found = await credentials_by_email(cur, args.email)
            if found is None:
                print("no user with this email", file=sys.stderr)
                return 4
            user = found[0]
            mfa_after = user.mfa_enabled and not args.reset_mfa
            problems = account_problems(
                password,
                email=user.email,
                full_name=user.full_name,
                single_factor=not mfa_after
                and not user.mfa_required(for_everyone=settings.mfa_required_for_everyone),
            )
            if problems:
                print("password " + "; ".join(problems), file=sys.stderr)
                return 1
            done = await reset_account(
                cur,
                user.id,
                await hash_password(password),
                reset_mfa=args.reset_mfa,
                actor_id=None,
                request_id=None,
            )
    finally:
        pool.close()
        await pool.wait_closed()
    assert done is not None  # the user was found in this transaction
    print_json(
        {
            "id": str(user.id),
            "email": user.email,
            "password_change_required": True,
            "mfa_reset": bool(args.reset_mfa),
            "sessions_revoked": done.sessions_revoked,
        }
    )
    return 0
