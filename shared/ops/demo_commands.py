"""`seed-demo`: advisors, an admin and members with profiles, so a local run shows something.

Idempotent (users and members are matched by email) and refused in staging and
production: the demo passwords are printed and public.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared import employers, members
from shared.database import Cursor, create_pool, transaction
from shared.identity import users
from shared.identity.passwords import hash_password
from shared.identity.users import Role
from shared.ops.command import print_json
from shared.settings import Settings

DEMO_USERS = (
    ("admin@origin.example", "Ada Admin", Role.ADMIN, "Demo-admin-2024!"),
    ("alice.advisor@origin.example", "Alice Advisor", Role.ADVISOR, "Demo-alice-2024!"),
    ("bob.advisor@origin.example", "Bob Advisor", Role.ADVISOR, "Demo-bob-2024!"),
)
DEMO_EMPLOYER = "Acme Corp"

_FIRST = ["Maria", "João", "Ana", "Pedro", "Laura", "Lucas", "Sofia", "Miguel", "Julia", "Rafael"]
_LAST = ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira"]


def register(subparsers: Any) -> None:
    """Add this module's subcommands."""
    parser = subparsers.add_parser(
        "seed-demo", help="create demo advisors, an admin and members (local/test only)"
    )
    parser.add_argument("--members", type=int, default=40, help="members to create (default 40)")
    parser.set_defaults(run=seed_demo_command)


async def ensure_user(cur: Cursor, email: str, full_name: str, role: Role, password: str) -> str:
    """The id of the user with this email, created with this password when missing."""
    await cur.execute("SELECT id FROM users WHERE lower(email) = lower(%s)", (email,))
    row = await cur.fetchone()
    if row is not None:
        return str(row[0])
    user = await users.create_user(
        cur,
        email=email,
        full_name=full_name,
        role=role,
        password_hash=await hash_password(password),
    )
    return str(user.id)


async def seed_members(
    cur: Cursor, *, count: int, advisor_ids: list[str], email_prefix: str = "demo.member"
) -> int:
    """Create `count` members (round-robin over the advisors) with profiles; returns how many new.

    One statement per table, whatever the count, so 10,000 members take a second.
    """
    await employers.create_employer(cur, DEMO_EMPLOYER)
    await cur.execute("SELECT id FROM employers WHERE lower(name) = lower(%s)", (DEMO_EMPLOYER,))
    (employer_id,) = await cur.fetchone()
    return await members.insert_demo_members(
        cur,
        count=count,
        email_prefix=email_prefix,
        first_names=_FIRST,
        last_names=_LAST,
        employer_id=str(employer_id),
        advisor_ids=advisor_ids,
    )


async def seed_demo_command(settings: Settings, args: argparse.Namespace) -> int:
    """Create the demo data and print the credentials."""
    if settings.app_env.is_deployed:
        print(f"seed-demo is refused in {settings.app_env}", file=sys.stderr)
        return 1
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=1,
        statement_timeout_ms=60_000,
        application_name="origin-ops",
    )
    try:
        async with transaction(pool) as cur:
            ids = {
                email: await ensure_user(cur, email, name, role, password)
                for email, name, role, password in DEMO_USERS
            }
            advisors = [ids[email] for email, _, role, _ in DEMO_USERS if role is Role.ADVISOR]
            created = await seed_members(cur, count=args.members, advisor_ids=advisors)
    finally:
        pool.close()
        await pool.wait_closed()
    print_json(
        {
            "members_created": created,
            "credentials": [
                {"email": email, "password": password, "role": role.value}
                for email, _, role, password in DEMO_USERS
            ],
        }
    )
    return 0
