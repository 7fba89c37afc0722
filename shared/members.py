"""Every statement that writes a member: `members`, `member_profiles` and `member_notes`.

One aggregate, one module, because the bff (sign-up, the member page, advisor
assignment), the worker (eligibility files) and ops (`seed-demo`) all write it and
none of them may import another. Reads for screens stay with the screens. Functions
take the caller's cursor, bind every parameter and never commit; the statements are
the ones their callers ran before, so locks and transactions are theirs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.database import Cursor

# What a member may change about themselves through the console (column names).
CONTACT_COLUMNS = ("phone_e164", "sms_opt_in")
PROFILE_COLUMNS = (
    "age",
    "dependents",
    "annual_income",
    "monthly_costs",
    "marital_status",
    "houses",
    "vehicles",
    "risk_answers",
)
_JSON_COLUMNS = ("houses", "vehicles", "risk_answers")
# jsonb lists that are never NULL: an empty list stands for "none".
_EMPTY_WHEN_NULL = ("houses", "vehicles")


def _names(values: Mapping[str, Any], allowed: Sequence[str]) -> list[str]:
    """The keys of `values` in `allowed`'s order; anything else is a programming error."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not a writable column: {sorted(unknown)}")
    return [name for name in allowed if name in values]


async def insert_member(
    cur: Cursor,
    *,
    email: str,
    full_name: str | None,
    country: str,
    access_type: str,
    employer_id: uuid.UUID | None,
    birth_date: date | None,
    salary: Decimal | None,
    password_hash: str,
) -> uuid.UUID | None:
    """A new member (sign-up); None when the email is taken (compared case-insensitively)."""
    await cur.execute(
        "INSERT INTO members (id, email, full_name, country, access_type, employer_id,"
        " birth_date, salary, password_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (lower(email)) DO NOTHING RETURNING id",
        (
            str(uuid.uuid4()),
            email,
            full_name,
            country,
            access_type,
            str(employer_id) if employer_id else None,
            birth_date,
            salary,
            password_hash,
        ),
    )
    row = await cur.fetchone()
    return None if row is None else uuid.UUID(str(row[0]))


async def set_contact(cur: Cursor, member_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """Change some of `CONTACT_COLUMNS` (a no-op when `values` is empty)."""
    names = _names(values, CONTACT_COLUMNS)
    if not names:
        return
    assignments = ", ".join(f"{name} = %({name})s" for name in names)
    await cur.execute(
        f"UPDATE members SET {assignments}, updated_at = now() WHERE id = %(id)s",  # noqa: S608 - whitelisted names
        {**{name: values[name] for name in names}, "id": str(member_id)},
    )


async def set_advisor(cur: Cursor, member_id: uuid.UUID, advisor_id: uuid.UUID | None) -> None:
    """Assign the member to an advisor, or to none."""
    await cur.execute(
        "UPDATE members SET advisor_id = %s, updated_at = now() WHERE id = %s",
        (str(advisor_id) if advisor_id else None, str(member_id)),
    )


async def upsert_profile(cur: Cursor, member_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """Write some of `PROFILE_COLUMNS` (JSON-mode values), creating the profile when missing.

    A no-op when `values` is empty; a null list of houses or vehicles is stored as `[]`.
    """
    names = _names(values, PROFILE_COLUMNS)
    if not names:
        return
    params = {
        name: json.dumps(values[name])
        if name in _JSON_COLUMNS and values[name] is not None
        else values[name]
        for name in names
    }
    for name in _EMPTY_WHEN_NULL:
        if name in params and params[name] is None:
            params[name] = "[]"
    columns = ", ".join(names)
    placeholders = ", ".join(f"%({name})s" for name in names)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names)
    await cur.execute(
        f"INSERT INTO member_profiles (member_id, {columns}) VALUES (%(id)s, {placeholders})"  # noqa: S608 - whitelisted names
        f" ON CONFLICT (member_id) DO UPDATE SET {updates}, updated_at = now()",
        {**params, "id": str(member_id)},
    )


async def add_note(
    cur: Cursor, member_id: uuid.UUID, *, author_id: uuid.UUID, body: str
) -> tuple[uuid.UUID, datetime]:
    """A note on the member by `author_id`; its id and creation time."""
    await cur.execute(
        "INSERT INTO member_notes (id, member_id, author_id, body) VALUES (%s, %s, %s, %s)"
        " RETURNING id, created_at",
        (str(uuid.uuid4()), str(member_id), str(author_id), body),
    )
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])), row[1]


async def apply_roster(
    cur: Cursor, *, file_id: uuid.UUID, employer_id: uuid.UUID, timeout: float | None = None
) -> int:
    """Members of the employer an eligibility file lists (accepted lines of
    `eligibility_staging`) get its country and salary, and access back; returns how many
    changed (unchanged members are not written)."""
    await cur.execute(
        "UPDATE members m"
        " SET country = s.country, salary = coalesce(s.salary, m.salary),"
        "     status = 'active', terminated_at = NULL, updated_at = now()"
        " FROM eligibility_staging s"
        " WHERE s.file_id = %(file)s AND s.reason IS NULL"
        "   AND m.employer_id = %(employer)s AND lower(m.email) = s.email"
        "   AND (m.country IS DISTINCT FROM s.country"
        "        OR m.salary IS DISTINCT FROM coalesce(s.salary, m.salary)"
        "        OR m.status <> 'active')",
        {"file": str(file_id), "employer": str(employer_id)},
        timeout=timeout,
    )
    return int(cur.rowcount)


async def count_active(cur: Cursor, *, employer_id: uuid.UUID) -> int:
    """How many of the employer's members have access now."""
    await cur.execute(
        "SELECT count(*) FROM members WHERE employer_id = %s AND status = 'active'",
        (str(employer_id),),
    )
    return int((await cur.fetchone())[0])


async def unlisted_active(
    cur: Cursor, *, file_id: uuid.UUID, employer_id: uuid.UUID, timeout: float | None = None
) -> list[uuid.UUID]:
    """The employer's active members an eligibility file does not list (no line of
    `eligibility_staging` carries their email): found once, for the guard and the
    terminations both."""
    await cur.execute(
        "SELECT m.id FROM members m WHERE m.employer_id = %(employer)s AND m.status = 'active'"
        "   AND NOT EXISTS (SELECT 1 FROM eligibility_staging s"
        "                   WHERE s.file_id = %(file)s AND s.email = lower(m.email))",
        {"file": str(file_id), "employer": str(employer_id)},
        timeout=timeout,
    )
    return [uuid.UUID(str(row[0])) for row in await cur.fetchall()]


async def terminate(
    cur: Cursor, member_ids: list[uuid.UUID], *, now: datetime, timeout: float | None = None
) -> list[uuid.UUID]:
    """End the access of those of these members who still have it; their ids."""
    await cur.execute(
        "UPDATE members SET status = 'terminated', terminated_at = %(now)s, updated_at = %(now)s"
        " WHERE id = ANY(%(ids)s::uuid[]) AND status = 'active' RETURNING id",
        {"ids": [str(member_id) for member_id in member_ids], "now": now},
        timeout=timeout,
    )
    return [uuid.UUID(str(row[0])) for row in await cur.fetchall()]


async def insert_demo_members(
    cur: Cursor,
    *,
    count: int,
    email_prefix: str,
    first_names: Sequence[str],
    last_names: Sequence[str],
    employer_id: str,
    advisor_ids: Sequence[str],
) -> int:
    """`seed-demo`'s members (round-robin over the advisors, every second one the
    employer's) with random profiles, in one statement; returns how many are new."""
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
            "first": list(first_names),
            "last": list(last_names),
            "employer": employer_id,
            "advisors": list(advisor_ids),
            "count": count,
        },
    )
    return int(cur.rowcount)
