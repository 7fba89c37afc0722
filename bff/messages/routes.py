"""`POST /api/v1/members/{id}/messages`: an advisor's SMS to a member.

The member must have opted in and have an E.164 phone number. The message row,
the `sms.requested` event (outbox) and the audit row are written in one
transaction; the gateway worker sends it and reports statuses back. SMS costs
money, so advisors and members have sliding-window limits counted in Postgres
under transaction advisory locks (exact across replicas and concurrent requests).
"""

from __future__ import annotations

import math
import re
import uuid
from functools import cache
from typing import Annotated, Any, Self

import jinja2
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from bff.members import MemberRef, MessageOut, visible_member
from bff.web import audit
from bff.web.api import (
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    path_uuid,
    read_body,
    too_many_requests,
)
from bff.web.audit import AuditAction
from bff.web.keys import CURRENT_USER, LIMITS
from bff.web.limits import Limits, wait_sql
from shared.database import Cursor, transaction
from shared.events import SmsRequested
from shared.messaging import outbox
from shared.sms import MAX_BODY_CHARS, SmsTemplateError, SmsTemplates
from shared.sms import messages as sms_messages
from shared.web.keys import POOL
from shared.web.producing import event_for_request

E164_PATTERN = re.compile(r"^\+[1-9][0-9]{7,14}$")


class MessageIn(BaseModel):
    """Either a free-text `body`, or a `template` name with its `params`."""

    # Exactly one of `body` or `template`; `params` only with a template; a body is not blank.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["body"],
                    "properties": {"body": {"pattern": r"\S"}, "params": {"type": "null"}},
                    "not": {"required": ["template"]},
                },
                {"required": ["template"], "not": {"required": ["body"]}},
            ]
        },
    )

    # Left out, not null: the schema offers no null (refused below).
    body: Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS)] | SkipJsonSchema[None] = (
        None
    )
    template: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")] | SkipJsonSchema[None] = None
    params: (
        Annotated[dict[str, Annotated[str, Field(max_length=500)]], Field(max_length=20)] | None
    ) = None

    @field_validator("body", "template")
    @classmethod
    def _not_null(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("leave it out rather than send null")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.body is None) == (self.template is None):
            raise ValueError("send either body or template (with params), not both")
        if self.params is not None and self.template is None:
            raise ValueError("params go with a template")
        if self.body is not None and not self.body.strip():
            raise ValueError("body is blank")
        return self


@cache
def _templates() -> SmsTemplates:
    return SmsTemplates()


def _render(message: MessageIn, member: MemberRef, advisor_name: str) -> str:
    if message.body is not None:
        return message.body.strip()
    assert message.template is not None
    context: dict[str, Any] = {
        "first_name": (member.full_name or "there").split()[0],
        "advisor_name": advisor_name,
        **(message.params or {}),
    }
    try:
        return _templates().render(message.template, context)
    except (SmsTemplateError, jinja2.TemplateError) as exc:
        raise ApiProblem(
            422,
            "Invalid request",
            detail=f"Invalid fields: template ({exc})",
            errors=[{"field": "template", "message": str(exc)}],
        ) from None


def _check_reachable(member: MemberRef) -> None:
    if not member.sms_opt_in:
        raise ApiProblem(
            422,
            "Cannot send SMS",
            detail="The member has not opted in to SMS.",
            reason="not_opted_in",
        )
    if not member.phone_e164 or not E164_PATTERN.match(member.phone_e164):
        raise ApiProblem(
            422,
            "Cannot send SMS",
            detail="The member has no valid E.164 phone number.",
            reason="no_valid_phone",
        )


async def _check_limits(
    cur: Cursor, *, advisor_id: uuid.UUID, member_id: uuid.UUID, limits: Limits
) -> None:
    """Serialise senders per advisor and member, then refuse when a window is full."""
    await cur.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('sms-advisor:' || %s, 0)),"
        " pg_advisory_xact_lock(hashtextextended('sms-member:' || %s, 0))",
        (str(advisor_id), str(member_id)),
    )
    advisor_wait, advisor_params = wait_sql(
        limits.sms_per_advisor,
        name="advisor",
        table="sms_messages",
        at="created_at",
        where="sent_by = %(advisor)s AND purpose = 'advisor'",
    )
    member_wait, member_params = wait_sql(
        limits.sms_per_member,
        name="member",
        table="sms_messages",
        at="created_at",
        where="member_id = %(member)s AND purpose = 'advisor'",
    )
    await cur.execute(
        f"SELECT {advisor_wait}, {member_wait}",
        {
            "advisor": str(advisor_id),
            "member": str(member_id),
            **advisor_params,
            **member_params,
        },
    )
    row = await cur.fetchone()
    for wait, who in zip(row, ("advisor", "member"), strict=True):
        if wait is not None:
            raise too_many_requests(
                f"The {who}'s SMS limit is reached; try again later.",
                retry_after=math.ceil(float(wait)),
                limit=who,
            )


async def send_message(request: web.Request) -> web.StreamResponse:
    """Queue an SMS to the member (202: the worker sends it)."""
    member_id = path_uuid(request, "member_id")
    message = await read_body(request, MessageIn)
    user = request[CURRENT_USER]
    async with transaction(request.app[POOL]) as cur:
        member = await visible_member(cur, member_id, user)
        _check_reachable(member)
        body = _render(message, member, user.full_name)
        await _check_limits(
            cur, advisor_id=user.id, member_id=member_id, limits=request.app[LIMITS]
        )
        message_id = uuid.uuid4()
        queued = await sms_messages.queue_advisor(
            cur,
            message_id,
            member_id=member_id,
            sent_by=user.id,
            template=message.template,
            body=body,
        )
        event = SmsRequested(message_id=message_id, member_id=member_id)
        await outbox.add(cur, event_for_request(request, event, name="sms.requested"))
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.CREATE, resource="sms_message"
        )
    out = MessageOut(
        id=queued.id,
        body=queued.body,
        status=queued.status,
        error_code=queued.error_code,
        created_at=queued.created_at,
        updated_at=queued.updated_at,
    )
    return json_model(out, status=202)


def setup(app: web.Application) -> None:
    """Add the messaging route."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/messages",
                send_message,
                "Send an SMS to the member",
                "members",
                body=MessageIn,
                responses={202: MessageOut},
                rate_limited=True,
            )
        ],
    )
