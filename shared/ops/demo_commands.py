"""`seed-demo`: advisors, an admin and members with profiles, so a local run shows something.

Idempotent (users and members are matched by email) and refused in staging and
production: the demo passwords are printed and public.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from shared.database import Cursor, create_pool, transaction
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
    user_id = str(uuid.uuid4())
    await cur.execute(
        "INSERT INTO users (id, email, full_name, role, password_hash) VALUES (%s, %s, %s, %s, %s)",
        (user_id, email, full_name, role.value, await hash_password(password)),
    )
    return user_id


async def seed_members(
    cur: Cursor, *, count: int, advisor_ids: list[str], email_prefix: str = "demo.member"
) -> int:
    """Create `count` members (round-robin over the advisors) with profiles; returns how many new.

    One statement per table, whatever the count, so 10,000 members take a second.
    """
    await cur.execute(
        "INSERT INTO employers (id, name) VALUES (%s, %s) ON CONFLICT (lower(name)) DO NOTHING",
        (str(uuid.uuid4()), DEMO_EMPLOYER),
    )
    await cur.execute("SELECT id FROM employers WHERE lower(name) = lower(%s)", (DEMO_EMPLOYER,))
    (employer_id,) = await cur.fetchone()
    await cur.execute(
        """
        WITH new AS (
            INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,
                                 access_type, employer_id, advisor_id)
            SELECT gen_random_uuid(),
                   %(prefix)s || '.' || n || '@example.com',
                   (%(first)s::text[])[1 + n %% cardinality(%(first)s::text[])] || ' '
                     || (%(last)s::text[])[1 + (n / 10) %% cardinality(%(last)s::text[])]
                     || ' ' || n,
                   '+1415555' || lpad((n %% 10000)::text, 4, '0'),
                   'US',
                   n %% 3 <> 0,
                   CASE WHEN n %% 2 = 0 THEN 'employer' ELSE 'dtc' END,
                   CASE WHEN n %% 2 = 0 THEN %(employer)s::uuid END,
                   (%(advisors)s::uuid[])[1 + n %% cardinality(%(advisors)s::uuid[])]
              FROM generate_series(1, %(count)s) AS n
            ON CONFLICT (lower(email)) DO NOTHING
            RETURNING id
        )
        INSERT INTO member_profiles (member_id, age, dependents, annual_income, monthly_costs,
                                     marital_status, houses, vehicles, risk_answers)
        SELECT id, 25 + (random() * 40)::int, (random() * 3)::int,
               round((30000 + random() * 220000)::numeric, 2),
               round((800 + random() * 6000)::numeric, 2),
               (ARRAY['single', 'married', 'divorced', 'domestic partnership'])
                 [1 + (random() * 3)::int],
               '[{"id": 1, "ownership_status": "mortgaged"}]'::jsonb,
               '[{"id": 1, "year": 2019}]'::jsonb,
               '[true, false, true]'::jsonb
          FROM new
        """,
        {
            "prefix": email_prefix,
            "first": _FIRST,
            "last": _LAST,
            "employer": str(employer_id),
            "advisors": advisor_ids,
            "count": count,
        },
    )
    return int(cur.rowcount)


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
