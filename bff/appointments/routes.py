"""Appointments between a member and their advisor: list, book, cancel.

Booking and cancelling write `appointment.booked` / `appointment.cancelled` to the
outbox in the same transaction (reminders and calendars react to them). An
appointment belongs to the member's advisor; an unassigned member cannot be booked.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Self

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from bff.members import AppointmentOut, visible_member
from bff.web import audit
from bff.web.api import (
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    not_found,
    path_uuid,
    read_body,
)
from bff.web.audit import AuditAction
from bff.web.keys import CLOCK, CURRENT_USER
from shared import appointments
from shared.database import connection_cursor, transaction
from shared.events.appointments import AppointmentBooked, AppointmentCancelled
from shared.messaging import outbox
from shared.web.keys import POOL
from shared.web.producing import event_for_request

MAX_DURATION = timedelta(hours=8)
LIST_LIMIT = 200
_COLUMNS = appointments.COLUMNS


class AppointmentIn(BaseModel):
    """When the session starts and ends (with a time zone): `starts_at` in the future,
    `ends_at` after it and at most 8 hours later (422 otherwise)."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _sensible_window(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > MAX_DURATION:
            raise ValueError("an appointment lasts at most 8 hours")
        return self


class AppointmentList(BaseModel):
    """The member's appointments, by start time."""

    items: list[AppointmentOut]


def _appointment(row: tuple[Any, ...]) -> AppointmentOut:
    return _out(appointments.appointment(row))


def _out(appointment: appointments.Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=appointment.id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        status=appointment.status,
        source=appointment.source,
    )


async def list_appointments(request: web.Request) -> web.StreamResponse:
    """Every appointment of the member (past and upcoming, booked and cancelled)."""
    member_id = path_uuid(request, "member_id")
    async with connection_cursor(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER])
        await cur.execute(
            f"SELECT {_COLUMNS} FROM appointments WHERE member_id = %s"  # noqa: S608 - constant columns
            " ORDER BY starts_at, id LIMIT %s",
            (str(member_id), LIST_LIMIT),
        )
        rows = await cur.fetchall()
    return json_model(AppointmentList(items=[_appointment(row) for row in rows]))


async def book_appointment(request: web.Request) -> web.StreamResponse:
    """Book a session with the member's advisor."""
    member_id = path_uuid(request, "member_id")
    window = await read_body(request, AppointmentIn)
    if window.starts_at <= request.app[CLOCK]():
        raise ApiProblem(
            422,
            "Invalid request",
            detail="Invalid fields: starts_at",
            errors=[{"field": "starts_at", "message": "must be in the future"}],
        )
    async with transaction(request.app[POOL]) as cur:
        member = await visible_member(cur, member_id, request[CURRENT_USER])
        if member.advisor_id is None:
            raise ApiProblem(
                422,
                "Cannot book",
                detail="Assign the member to an advisor first.",
                reason="no_advisor",
            )
        appointment_id = uuid.uuid4()
        appointment = _out(
            await appointments.book(
                cur,
                appointment_id,
                member_id=member_id,
                advisor_id=member.advisor_id,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
            )
        )
        event = AppointmentBooked(
            appointment_id=appointment_id,
            member_id=member_id,
            advisor_id=member.advisor_id,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            source="console",
        )
        await outbox.add(cur, event_for_request(request, event, name="appointment.booked"))
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.CREATE, resource="appointment"
        )
    return json_model(appointment, status=201)


async def cancel_appointment(request: web.Request) -> web.StreamResponse:
    """Cancel a booked session; cancelling a cancelled one changes nothing."""
    member_id = path_uuid(request, "member_id")
    appointment_id = path_uuid(request, "appointment_id")
    async with transaction(request.app[POOL]) as cur:
        await visible_member(cur, member_id, request[CURRENT_USER])
        await cur.execute(
            f"SELECT {_COLUMNS}, advisor_id FROM appointments"  # noqa: S608 - constant columns
            " WHERE id = %s AND member_id = %s FOR UPDATE",
            (str(appointment_id), str(member_id)),
        )
        row = await cur.fetchone()
        if row is None:
            raise not_found()
        appointment = _appointment(row)
        if appointment.status == "cancelled":
            return json_model(appointment)
        if appointment.ends_at <= request.app[CLOCK]():
            raise ApiProblem(409, "Conflict", detail="The appointment is already over.")
        appointment = _out(await appointments.cancel(cur, appointment_id))
        event = AppointmentCancelled(
            appointment_id=appointment_id,
            member_id=member_id,
            advisor_id=uuid.UUID(str(row[5])),
            starts_at=appointment.starts_at,
            source=appointment.source,
        )
        await outbox.add(cur, event_for_request(request, event, name="appointment.cancelled"))
        await audit.record(
            cur, request, member_id=member_id, action=AuditAction.UPDATE, resource="appointment"
        )
    return json_model(appointment)


def setup(app: web.Application) -> None:
    """Add the appointment routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "GET",
                "/api/v1/members/{member_id}/appointments",
                list_appointments,
                "The member's appointments",
                "appointments",
                responses={200: AppointmentList},
            ),
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/appointments",
                book_appointment,
                "Book an appointment",
                "appointments",
                body=AppointmentIn,
                responses={201: AppointmentOut},
            ),
            Endpoint(
                "POST",
                "/api/v1/members/{member_id}/appointments/{appointment_id}/cancel",
                cancel_appointment,
                "Cancel an appointment",
                "appointments",
                responses={200: AppointmentOut},
            ),
        ],
    )
