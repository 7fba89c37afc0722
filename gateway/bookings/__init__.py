"""Appointments booked in the scheduling provider (Calendly-shaped): what this feature adds.

- web: `webhook.py`, the provider's booking webhooks (`POST /webhooks/calendly`);
- worker: `flows.py`, booking or cancelling the matching appointment;
- scheduler: `subscriptions.py`, keeping the provider's webhook subscription
  alive, and `reminders.py`, the SMS reminders before an appointment.

Reminders live here, not in `gateway/sms/`: what they decide (which booked
appointment is due a reminder, when, once per appointment and purpose, what it
says) is about appointments; the SMS feature only sends whatever `sms.requested`
names, without knowing why it was asked.

The rows live in `appointments`, written only through `shared/appointments.py` (the
bff books and cancels in the console too).
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from connectors.bookings import open_scheduling_client
from gateway.bookings import webhook
from gateway.bookings.flows import consumers
from gateway.bookings.reminders import AppointmentReminders
from gateway.bookings.subscriptions import SubscriptionCheck
from gateway.providers import CALENDLY_WEBHOOK_PATH, scheduling_config
from shared.jobs.job import Job, job
from shared.jobs.schedule import CatchUp
from shared.settings import Settings

__all__ = ["consumers", "jobs", "routes"]


def routes() -> list[web.RouteDef]:
    """The web role's booking routes."""
    return [web.post(CALENDLY_WEBHOOK_PATH, webhook.receive, name="webhook_calendly")]


def jobs(settings: Settings) -> list[Job]:
    """The scheduler's booking jobs."""
    return [
        job(
            "appointment-reminders",
            AppointmentReminders(),
            cron="*/5 * * * *",
            timezone="UTC",
            # Reminders still due after downtime go out at once (each only once).
            catch_up=CatchUp.RUN_ONCE,
            description="SMS reminders 24 h and 1 h before booked appointments",
        ),
        job(
            "scheduling-subscription-check",
            SubscriptionCheck(
                settings, lambda: open_scheduling_client(scheduling_config(settings))
            ),
            cron="7 * * * *",
            timezone="UTC",
            # An hourly check: after downtime the next hour's is soon enough.
            catch_up=CatchUp.SKIP,
            grace=timedelta(minutes=10),
            description="report and re-create a disabled booking webhook subscription",
        ),
    ]
