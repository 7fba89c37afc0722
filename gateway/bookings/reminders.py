"""Appointment reminders by SMS, 24 hours and 1 hour before, to members who opted in.

Each run looks at booked appointments whose reminder is due now and has not
been written yet: the 24-hour reminder while the appointment is between 1 and
24 hours away, the 1-hour reminder in its last hour. A reminder is an
`sms_messages` row (unique on appointment and purpose, written through
`shared.sms.messages`) plus `sms.requested` in the outbox, written in the run's
final transaction: an appointment gets each reminder once whatever the
restarts, takeovers, catch-up runs or redeliveries, and the worker (which
re-checks opt-in and phone before sending) sends it.
Cancelled appointments, members who opted out, have no phone or were
terminated get none. Sending only reaches real phones in staging and
production: the SMS connector's gate refuses anything but the simulator elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.database import Cursor
from shared.events import SmsRequested
from shared.jobs.job import JobContext
from shared.sms import SmsTemplates
from shared.sms import messages as sms_messages

TEMPLATE = "appointment_reminder"
# Members have no time zone on record yet; reminders state times in US Eastern and say so.
REMINDER_TIME_ZONE = "America/New_York"
# Reminders written per purpose per run; the next run (minutes later) writes the rest.
BATCH = 500


@dataclass(frozen=True)
class Reminder:
    """A kind of reminder and the window (before the appointment) in which it is due."""

    purpose: str
    due_from: timedelta  # due once the appointment is at most this far away...
    due_until: timedelta  # ...and still more than this far away


REMINDERS = (
    Reminder("reminder_24h", due_from=timedelta(hours=24), due_until=timedelta(hours=1)),
    Reminder("reminder_1h", due_from=timedelta(hours=1), due_until=timedelta(0)),
)


@dataclass(frozen=True)
class _Due:
    appointment_id: uuid.UUID
    member_id: uuid.UUID
    starts_at: datetime
    member_name: str | None
    advisor_name: str


class AppointmentReminders:
    """The reminders job; holds the SMS templates it renders bodies with."""

    def __init__(self, templates: SmsTemplates | None = None) -> None:
        self._templates = templates or SmsTemplates()
        self._zone = ZoneInfo(REMINDER_TIME_ZONE)

    async def __call__(self, ctx: JobContext) -> None:
        now = ctx.now()
        async with ctx.completing() as cur:
            for reminder in REMINDERS:
                due = await _due(cur, reminder, now)
                written = await self._write(ctx, cur, reminder, due)
                ctx.record(**{reminder.purpose: written})

    def _body(self, due: _Due) -> str:
        first_name = (due.member_name or "").split(" ")[0] or "there"
        return self._templates.render(
            TEMPLATE,
            {
                "first_name": first_name,
                "advisor_name": due.advisor_name,
                "starts_at": due.starts_at.astimezone(self._zone),
                "timezone": REMINDER_TIME_ZONE,
            },
        )

    async def _write(
        self, ctx: JobContext, cur: Cursor, reminder: Reminder, due: list[_Due]
    ) -> int:
        if not due:
            return 0
        written = await sms_messages.queue_reminders(
            cur,
            [
                sms_messages.NewReminder(
                    item.member_id,
                    reminder.purpose,
                    item.appointment_id,
                    TEMPLATE,
                    self._body(item),
                )
                for item in due
            ],
            now=ctx.now(),
        )
        events = [
            ("sms.requested", SmsRequested(message_id=message_id, member_id=member))
            for message_id, member in written
        ]
        return await ctx.emit(cur, events)


async def _due(cur: Cursor, reminder: Reminder, now: datetime) -> list[_Due]:
    await cur.execute(
        "SELECT a.id, a.member_id, a.starts_at, m.full_name, u.full_name"
        " FROM appointments a"
        " JOIN members m ON m.id = a.member_id"
        " JOIN users u ON u.id = a.advisor_id"
        " WHERE a.status = 'booked' AND a.starts_at > %s AND a.starts_at <= %s"
        " AND m.sms_opt_in AND m.phone_e164 IS NOT NULL AND m.status = 'active'"
        " AND NOT EXISTS (SELECT 1 FROM sms_messages s"
        "  WHERE s.appointment_id = a.id AND s.purpose = %s)"
        " ORDER BY a.starts_at LIMIT %s",
        (now + reminder.due_until, now + reminder.due_from, reminder.purpose, BATCH),
    )
    return [
        _Due(
            appointment_id=uuid.UUID(str(row[0])),
            member_id=uuid.UUID(str(row[1])),
            starts_at=row[2],
            member_name=row[3],
            advisor_name=row[4],
        )
        for row in await cur.fetchall()
    ]
