"""`POST /api/v1/signup`: a person joins Origin, through their employer or directly (DTC).

When the email is on an employer's eligibility list the member is created with the
employer's data (access type `employer`; the roster's country, birth date and salary,
and its name unless the person gives one); otherwise as DTC. An existing email
answers 409. The password policy is the advisors' one. The email is checked before
the (deliberately slow) password hash so a duplicate costs nothing.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bff.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    read_body,
    too_many_requests,
)
from bff.keys import LIMITS, PASSWORD_HASHER
from bff.limits import WindowLimit
from bff.login_throttle import client_ip
from bff.member_models import AccessType, EmployerRef
from shared.database import Cursor, connection_cursor, transaction
from shared.identity.password_policy import policy_problems
from shared.web.keys import POOL

log = logging.getLogger("origin.auth")


class SignupIn(BaseModel):
    """Who is signing up."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[
        str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    country: Annotated[
        str, Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2", examples=["US"])
    ]
    full_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @field_validator("password")
    @classmethod
    def _policy(cls, value: str) -> str:
        problems = policy_problems(value)
        if problems:
            raise ValueError("password " + "; ".join(problems))
        return value


class SignupOut(BaseModel):
    """The new member."""

    id: uuid.UUID
    email: str
    full_name: str | None
    country: str
    access_type: AccessType
    employer: EmployerRef | None


async def _count_attempt(cur: Cursor, ip: str, limit: WindowLimit) -> int | None:
    """Count this attempt, or the seconds to wait when the address's window is full.

    Attempts from one address are serialised (advisory lock on the address), so
    concurrent requests cannot slip past the count together.
    """
    await cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("signup:" + ip,))
    await cur.execute(
        "SELECT EXTRACT(EPOCH FROM occurred_at + %(window)s - now()) FROM signup_attempts"
        " WHERE client_ip = %(ip)s AND occurred_at > now() - %(window)s"
        " ORDER BY occurred_at DESC OFFSET %(full)s LIMIT 1",
        {"ip": ip, "window": limit.window, "full": limit.count - 1},
    )
    row = await cur.fetchone()
    if row is not None:
        return max(1, math.ceil(float(row[0])))
    await cur.execute("INSERT INTO signup_attempts (client_ip) VALUES (%s)", (ip,))
    return None


def _taken() -> ApiProblem:
    return ApiProblem(409, "Conflict", detail="An account with this email exists.")


async def _email_taken(cur: Cursor, email: str) -> bool:
    await cur.execute("SELECT 1 FROM members WHERE lower(email) = lower(%s)", (email,))
    return await cur.fetchone() is not None


async def signup(request: web.Request) -> web.StreamResponse:
    """Create the member (employer access when eligible, else DTC)."""
    new = await read_body(request, SignupIn)
    pool = request.app[POOL]
    limits = request.app[LIMITS]
    async with transaction(pool) as cur:
        wait = await _count_attempt(cur, client_ip(request, limits), limits.signup_per_ip)
    if wait is not None:
        log.warning("signup throttled", extra={"event": "signup_throttled", "retry_after": wait})
        raise too_many_requests(
            "Too many sign-ups from this address. Try again later.", retry_after=wait
        )
    async with connection_cursor(pool) as cur:
        if await _email_taken(cur, new.email):
            raise _taken()
    password_hash = await request.app[PASSWORD_HASHER].hash(new.password)
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT r.employer_id, e.name, r.full_name, r.birth_date, r.salary, r.country"
            " FROM eligibility_records r JOIN employers e ON e.id = r.employer_id"
            " WHERE lower(r.email) = lower(%s) ORDER BY r.updated_at DESC, r.id LIMIT 1",
            (new.email,),
        )
        eligible = await cur.fetchone()
        employer = EmployerRef(id=eligible[0], name=eligible[1]) if eligible else None
        full_name = new.full_name or (eligible[2] if eligible else None)
        # The employer's roster decides where an employee's benefit applies.
        country = (eligible[5] if eligible else None) or new.country.upper()
        await cur.execute(
            "INSERT INTO members (id, email, full_name, country, access_type, employer_id,"
            " birth_date, salary, password_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (lower(email)) DO NOTHING RETURNING id",
            (
                str(uuid.uuid4()),
                new.email,
                full_name,
                country,
                "employer" if employer else "dtc",
                str(employer.id) if employer else None,
                eligible[3] if eligible else None,
                eligible[4] if eligible else None,
                password_hash,
            ),
        )
        row = await cur.fetchone()
        if row is None:
            raise _taken()
    member = SignupOut(
        id=row[0],
        email=new.email,
        full_name=full_name,
        country=country,
        access_type="employer" if employer else "dtc",
        employer=employer,
    )
    log.info(
        "member signed up",
        extra={"event": "signup", "member_id": str(member.id), "access_type": member.access_type},
    )
    return json_model(member, status=201)


def setup(app: web.Application) -> None:
    """Add the public sign-up route."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/signup",
                signup,
                "Sign up as a member",
                "signup",
                access=Access.PUBLIC,
                body=SignupIn,
                responses={201: SignupOut},
                rate_limited=True,
            )
        ],
    )
