"""Admin routes: users (create, list, disable, reset), member assignment, the audit log.

A reset gives a user a temporary password (the admin's, or one made here and shown
once) that they must change at their next sign-in; every session of theirs ends, and
with `reset_mfa` their authenticator and recovery codes are forgotten so they enroll
again (the way back for a lost phone). Audited in `account_events`.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from bff.members import MemberScreen, screen_response, visible_member
from bff.web import audit
from bff.web.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    invalid_password,
    json_model,
    not_found,
    path_uuid,
    read_body,
    read_query,
)
from bff.web.audit import AuditAction, AuditEntry
from bff.web.keys import CURRENT_USER, PASSWORD_HASHER
from shared import members
from shared.database import connection_cursor, transaction
from shared.identity import sessions, users
from shared.identity.account_reset import reset_account
from shared.identity.email_address import EmailAddress
from shared.identity.password_policy import NewPassword, account_problems
from shared.identity.users import EmailTaken, Role, User
from shared.web.keys import POOL, REQUEST_ID, SETTINGS

log = logging.getLogger("origin.auth")


class ManagedUser(BaseModel):
    """A user as admins manage them."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    disabled: bool
    created_at: datetime
    mfa_enabled: bool
    password_change_required: bool

    @classmethod
    def of(cls, user: User) -> ManagedUser:
        """Shape a user for the admin screen."""
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            disabled=user.disabled_at is not None,
            created_at=user.created_at,
            mfa_enabled=user.mfa_enabled,
            password_change_required=user.password_change_required,
        )


class UserList(BaseModel):
    """Every user."""

    items: list[ManagedUser]


class NewUser(BaseModel):
    """An advisor or admin to create; the password must meet the policy (15 characters
    or more when the account will sign in without MFA)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Role
    password: NewPassword


class PasswordReset(BaseModel):
    """A temporary password for the user (omit it to have one made), and whether to
    forget their authenticator too."""

    model_config = ConfigDict(extra="forbid")

    temporary_password: NewPassword | None = None
    reset_mfa: StrictBool = False


class PasswordResetOut(BaseModel):
    """The reset user; `temporary_password` only when it was made here (shown once)."""

    user: ManagedUser
    temporary_password: str | None


class UserPatch(BaseModel):
    """Disable (which ends every session) or re-enable a user."""

    model_config = ConfigDict(extra="forbid")

    disabled: StrictBool


class AdvisorAssignment(BaseModel):
    """The advisor to serve the member, or null to unassign."""

    model_config = ConfigDict(extra="forbid")

    advisor_id: uuid.UUID | None


class AuditQuery(BaseModel):
    """Filters and cursor of the audit log."""

    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    cursor: Annotated[int, Field(ge=1, le=2**62)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class AuditPage(BaseModel):
    """Audit rows, newest first; pass `next_cursor` back as `cursor`."""

    items: list[AuditEntry]
    next_cursor: int | None


async def list_users(request: web.Request) -> web.StreamResponse:
    """Every advisor and admin."""
    async with connection_cursor(request.app[POOL]) as cur:
        found = await users.list_users(cur)
    return json_model(UserList(items=[ManagedUser.of(user) for user in found]))


async def create_user(request: web.Request) -> web.StreamResponse:
    """Create an advisor or admin; 409 when the email is taken."""
    new = await read_body(request, NewUser)
    for_everyone = request.app[SETTINGS].mfa_required_for_everyone
    problems = account_problems(
        new.password,
        email=new.email,
        full_name=new.full_name,
        single_factor=new.role is not Role.ADMIN and not for_everyone,
    )
    if problems:
        raise invalid_password("password", "password " + "; ".join(problems))
    password_hash = await request.app[PASSWORD_HASHER].hash(new.password)
    try:
        async with transaction(request.app[POOL]) as cur:
            user = await users.create_user(
                cur,
                email=new.email,
                full_name=new.full_name,
                role=new.role,
                password_hash=password_hash,
            )
    except EmailTaken:
        raise ApiProblem(409, "Conflict", detail="A user with this email exists.") from None
    log.info(
        "user created",
        extra={
            "event": "user_created",
            "user_id": str(user.id),
            "by": str(request[CURRENT_USER].id),
        },
    )
    return json_model(ManagedUser.of(user), status=201)


async def patch_user(request: web.Request) -> web.StreamResponse:
    """Disable or re-enable a user; disabling revokes their sessions at once."""
    user_id = path_uuid(request, "user_id")
    patch = await read_body(request, UserPatch)
    if patch.disabled and user_id == request[CURRENT_USER].id:
        raise ApiProblem(409, "Conflict", detail="Admins cannot disable themselves.")
    async with transaction(request.app[POOL]) as cur:
        user = await users.set_disabled(cur, user_id, disabled=patch.disabled)
        if user is None:
            raise not_found()
        revoked = await sessions.revoke_user_sessions(cur, user_id) if patch.disabled else 0
    log.info(
        "user disabled" if patch.disabled else "user enabled",
        extra={
            "event": "user_disabled" if patch.disabled else "user_enabled",
            "user_id": str(user_id),
            "by": str(request[CURRENT_USER].id),
            "sessions_revoked": revoked,
        },
    )
    return json_model(ManagedUser.of(user))


async def reset_password(request: web.Request) -> web.StreamResponse:
    """Set a temporary password the user must change; end their sessions; maybe reset MFA."""
    user_id = path_uuid(request, "user_id")
    reset = await read_body(request, PasswordReset)
    admin_id = request[CURRENT_USER].id
    if user_id == admin_id:
        raise ApiProblem(
            409, "Conflict", detail="Change your own password with POST /api/v1/auth/password."
        )
    pool = request.app[POOL]
    async with connection_cursor(pool) as cur:
        target = await users.get_user(cur, user_id)
    if target is None:
        raise not_found()
    made = None
    if reset.temporary_password is None:
        made = secrets.token_urlsafe(15)  # 120 bits; shown once to the admin
        password = made
    else:
        password = reset.temporary_password
        for_everyone = request.app[SETTINGS].mfa_required_for_everyone
        mfa_after = target.mfa_enabled and not reset.reset_mfa
        problems = account_problems(
            password,
            email=target.email,
            full_name=target.full_name,
            single_factor=not mfa_after and not target.mfa_required(for_everyone=for_everyone),
        )
        if problems:
            raise invalid_password("temporary_password", "password " + "; ".join(problems))
    password_hash = await request.app[PASSWORD_HASHER].hash(password)
    async with transaction(pool) as cur:
        done = await reset_account(
            cur,
            user_id,
            password_hash,
            reset_mfa=reset.reset_mfa,
            actor_id=admin_id,
            request_id=request[REQUEST_ID],
        )
    if done is None:
        raise not_found()
    log.info(
        "password reset",
        extra={
            "event": "password_reset",
            "user_id": str(user_id),
            "by": str(admin_id),
            "mfa_reset": reset.reset_mfa,
            "sessions_revoked": done.sessions_revoked,
        },
    )
    return json_model(PasswordResetOut(user=ManagedUser.of(done.user), temporary_password=made))


async def assign_advisor(request: web.Request) -> web.StreamResponse:
    """Assign the member to an active advisor (or unassign); answers with the member screen."""
    member_id = path_uuid(request, "member_id")
    assignment = await read_body(request, AdvisorAssignment)
    async with transaction(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER], lock=True)
        if assignment.advisor_id is not None:
            advisor = await users.get_user(cur, assignment.advisor_id)
            if advisor is None or advisor.role is not Role.ADVISOR or advisor.disabled_at:
                raise ApiProblem(
                    422,
                    "Invalid request",
                    detail="Invalid fields: advisor_id",
                    errors=[{"field": "advisor_id", "message": "not an active advisor"}],
                )
        await members.set_advisor(cur, member_id, assignment.advisor_id)
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.UPDATE, resource="advisor"
        )
    return await screen_response(request, member_id)


async def audit_log(request: web.Request) -> web.StreamResponse:
    """Who saw or changed which member's data, newest first."""
    query = read_query(request, AuditQuery)
    async with connection_cursor(request.app[POOL]) as cur:
        entries = await audit.list_entries(
            cur,
            member_id=query.member_id,
            actor_id=query.actor_id,
            before_id=query.cursor,
            limit=query.limit + 1,
        )
    page = entries[: query.limit]
    next_cursor = page[-1].id if len(entries) > query.limit else None
    return json_model(AuditPage(items=page, next_cursor=next_cursor))


def setup(app: web.Application) -> None:
    """Add the admin routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "GET",
                "/api/v1/admin/users",
                list_users,
                "List users",
                "admin",
                access=Access.ADMIN,
                responses={200: UserList},
            ),
            Endpoint(
                "POST",
                "/api/v1/admin/users",
                create_user,
                "Create an advisor or admin",
                "admin",
                access=Access.ADMIN,
                body=NewUser,
                responses={201: ManagedUser},
            ),
            Endpoint(
                "PATCH",
                "/api/v1/admin/users/{user_id}",
                patch_user,
                "Disable or re-enable a user",
                "admin",
                access=Access.ADMIN,
                body=UserPatch,
                responses={200: ManagedUser},
            ),
            Endpoint(
                "POST",
                "/api/v1/admin/users/{user_id}/password-reset",
                reset_password,
                "Reset a user's password (forces a change at next sign-in)",
                "admin",
                access=Access.ADMIN,
                body=PasswordReset,
                responses={200: PasswordResetOut},
            ),
            Endpoint(
                "PUT",
                "/api/v1/admin/members/{member_id}/advisor",
                assign_advisor,
                "Assign a member to an advisor",
                "admin",
                access=Access.ADMIN,
                body=AdvisorAssignment,
                responses={200: MemberScreen},
            ),
            Endpoint(
                "GET",
                "/api/v1/admin/audit",
                audit_log,
                "The access audit log",
                "admin",
                access=Access.ADMIN,
                query=AuditQuery,
                responses={200: AuditPage},
            ),
        ],
    )
