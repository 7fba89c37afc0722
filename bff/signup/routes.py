"""`POST /api/v1/signup` and `POST /api/v1/signup/verify`: join Origin once the address is proven.

Sign-up answers one and the same 202 for every well-formed request, with the same
work behind it (the attempt counted, the password hashed, one email row and one
`email.requested` event): a new address gets a pending sign-up and a verification
link, a member's address gets "you already have an account". So the answer tells
nobody which emails are members, and nothing of an employer's roster is read.

Verification takes the link's token (in the JSON body: it never appears in a URL
that is logged) and the password chosen at sign-up. Only the holder of both
completes it: the address's owner cannot be made to activate an account someone
else chose the password of by clicking a link they did not ask for, and a leaked
link alone is useless. Then, and only then, the roster is matched: an eligible
employee gets employer access with the roster's data (as before), anyone else DTC.
No session is opened: members do not use this console; the page says the account
is ready and they sign in with the email and password they chose.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bff.members import AccessType, EmployerRef
from bff.signup import emails
from bff.web.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    read_body,
    too_many_requests,
)
from bff.web.keys import CLOCK, LIMITS, PASSWORD_HASHER
from bff.web.limits import WindowLimit, client_ip, wait_sql
from shared import members
from shared.database import Cursor, transaction
from shared.email import messages
from shared.events import EmailRequested
from shared.identity import pending_signups as pending
from shared.identity import sign_in_attempts
from shared.identity.email_address import EmailAddress
from shared.identity.password_policy import NewPassword, policy_problems
from shared.messaging.envelope import Envelope
from shared.web.keys import POOL, SETTINGS
from shared.web.producing import event_for_request

log = logging.getLogger("origin.auth")


class SignupIn(BaseModel):
    """Who is signing up."""

    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    password: NewPassword
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


class SignupAccepted(BaseModel):
    """The one answer to every well-formed sign-up: what happens next is in the email."""

    status: Literal["check_email"] = "check_email"
    detail: str = "Check your email: it says how to finish signing up."


class VerifyIn(BaseModel):
    """The token from the emailed link and the password chosen at sign-up."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(pattern=pending.TOKEN_PATTERN)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SignupOut(BaseModel):
    """The new member."""

    id: uuid.UUID
    email: str
    full_name: str | None
    country: str
    access_type: AccessType
    employer: EmployerRef | None


ACCEPTED = SignupAccepted()


async def _count_attempt(cur: Cursor, ip: str, limit: WindowLimit) -> int | None:
    """Count this attempt, or the seconds to wait when the address's window is full.

    Attempts from one address are serialised (advisory lock on the address), so
    concurrent requests cannot slip past the count together.
    """
    await cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("signup:" + ip,))
    wait, params = wait_sql(
        limit, name="ip", table="signup_attempts", at="occurred_at", where="client_ip = %(ip)s"
    )
    await cur.execute(f"SELECT {wait}", {"ip": ip, **params})
    (seconds,) = await cur.fetchone()
    if seconds is not None:
        return max(1, math.ceil(float(seconds)))
    await sign_in_attempts.count_signup_attempt(cur, ip)
    return None


async def _is_member(cur: Cursor, email: str) -> bool:
    await cur.execute("SELECT 1 FROM members WHERE lower(email) = lower(%s)", (email,))
    return await cur.fetchone() is not None


def _email_event(request: web.Request) -> messages.EnvelopeFactory:
    def build(data: EmailRequested) -> Envelope:
        return event_for_request(request, data, name="email.requested")

    return build


async def signup(request: web.Request) -> web.StreamResponse:
    """Email a verification link (or "you have an account"); the same 202 either way."""
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
    # Hashed whatever the address turns out to be, so both answers take the same time.
    password_hash = await request.app[PASSWORD_HASHER].hash(new.password)
    token = pending.new_token()
    base_url = request.app[SETTINGS].webapp_base_url
    async with transaction(pool) as cur:
        if await _is_member(cur, new.email):
            email = emails.account_exists(new.email, webapp_base_url=base_url)
        else:
            await pending.insert(
                cur,
                email=new.email,
                full_name=new.full_name,
                country=new.country.upper(),
                password_hash=password_hash,
                token=token,
                now=request.app[CLOCK](),
            )
            email = emails.verification(
                new.email,
                webapp_base_url=base_url,
                token=token,
                hours=int(pending.LIFETIME.total_seconds() // 3600),
            )
        await messages.queue(cur, email, _email_event(request))
    log.info("signup requested", extra={"event": "signup_requested"})
    return json_model(ACCEPTED, status=202)


def _unusable_link() -> ApiProblem:
    # One answer for unknown, expired, used and out-of-attempts links.
    return ApiProblem(
        400,
        "Invalid sign-up link",
        detail="This sign-up link is invalid, has expired or was already used."
        " Sign up again to get a new one.",
    )


def _wrong_password() -> ApiProblem:
    return ApiProblem(
        422,
        "Invalid request",
        detail="Invalid fields: password",
        errors=[
            {
                "field": "password",
                "message": "does not match the password chosen at sign-up",
                "type": "password_mismatch",
            }
        ],
    )


async def verify(request: web.Request) -> web.StreamResponse:
    """Use the emailed link: create the member (employer access when on a roster)."""
    proof = await read_body(request, VerifyIn)
    pool = request.app[POOL]
    clock = request.app[CLOCK]
    async with transaction(pool) as cur:
        found = await pending.take_attempt(cur, proof.token, now=clock())
    if found is None:
        raise _unusable_link()
    if not await request.app[PASSWORD_HASHER].verify(found.password_hash, proof.password):
        log.info("signup verification refused", extra={"event": "signup_wrong_password"})
        raise _wrong_password()
    member: SignupOut | None = None
    async with transaction(pool) as cur:
        if not await pending.consume(cur, found.id, now=clock()):
            raise _unusable_link()
        member = await _create_member(cur, found)
        if member is not None:
            await pending.link_member(cur, found.id, member.id)
    if member is None:
        # Only the address's owner gets here (they hold its link), so this tells no one else.
        raise ApiProblem(
            409, "Conflict", detail="An account with this email exists already. Sign in instead."
        )
    log.info(
        "member signed up",
        extra={"event": "signup", "member_id": str(member.id), "access_type": member.access_type},
    )
    return json_model(member, status=201)


async def _create_member(cur: Cursor, found: pending.Pending) -> SignupOut | None:
    """The member from a verified sign-up and the roster (None when the email is taken)."""
    await cur.execute(
        "SELECT r.employer_id, e.name, r.full_name, r.birth_date, r.salary, r.country"
        " FROM eligibility_records r JOIN employers e ON e.id = r.employer_id"
        " WHERE lower(r.email) = lower(%s) ORDER BY r.updated_at DESC, r.id LIMIT 1",
        (found.email,),
    )
    eligible = await cur.fetchone()
    employer = EmployerRef(id=eligible[0], name=eligible[1]) if eligible else None
    full_name = found.full_name or (eligible[2] if eligible else None)
    # The employer's roster decides where an employee's benefit applies.
    country = (eligible[5] if eligible else None) or found.country
    access_type: AccessType = "employer" if employer else "dtc"
    member_id = await members.insert_member(
        cur,
        email=found.email,
        full_name=full_name,
        country=country,
        access_type=access_type,
        employer_id=employer.id if employer else None,
        birth_date=eligible[3] if eligible else None,
        salary=eligible[4] if eligible else None,
        password_hash=found.password_hash,
    )
    if member_id is None:
        return None
    return SignupOut(
        id=member_id,
        email=found.email,
        full_name=full_name,
        country=country,
        access_type=access_type,
        employer=employer,
    )


def setup(app: web.Application) -> None:
    """Add the public sign-up routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/signup",
                signup,
                "Sign up as a member (emails a verification link)",
                "signup",
                access=Access.PUBLIC,
                body=SignupIn,
                responses={202: SignupAccepted},
                rate_limited=True,
            ),
            Endpoint(
                "POST",
                "/api/v1/signup/verify",
                verify,
                "Finish signing up with the emailed link's token and the chosen password",
                "signup",
                access=Access.PUBLIC,
                body=VerifyIn,
                responses={201: SignupOut},
            ),
        ],
    )
