"""SMS to members (Twilio-shaped): what this feature adds to each gateway role.

- web: `webhook.py`, the provider's status callbacks (`POST /webhooks/twilio`);
- worker: `flows.py`, sending a requested SMS once and applying reported statuses;
- scheduler: `reconciliation.py`, settling sends whose outcome is unknown, and
  `sweeps.py`, re-requesting SMS that never reached the provider.

The rows live in `sms_messages`, written only through `shared/sms/messages.py`
(the bff writes the table too); the bff and the appointment reminders
(`gateway/bookings/reminders.py`) request SMS through it and `sms.requested`.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from connectors.sms import open_sms_client
from gateway.providers import TWILIO_WEBHOOK_PATH, sms_config
from gateway.sms import webhook
from gateway.sms.flows import consumers
from gateway.sms.reconciliation import SmsReconciliation
from gateway.sms.sweeps import sweep_requested
from shared.jobs.job import Job, job
from shared.jobs.schedule import CatchUp
from shared.settings import Settings

__all__ = ["consumers", "jobs", "routes", "sweep_requested"]


def routes() -> list[web.RouteDef]:
    """The web role's SMS routes."""
    return [web.post(TWILIO_WEBHOOK_PATH, webhook.receive, name="webhook_twilio")]


def jobs(settings: Settings) -> list[Job]:
    """The scheduler's SMS jobs."""
    return [
        job(
            "sms-reconciliation",
            SmsReconciliation(
                settings, lambda: open_sms_client(sms_config(settings), app_env=settings.app_env)
            ),
            cron="* * * * *",
            timezone="UTC",
            # Each run looks at whatever is stuck now: one run after downtime is enough.
            catch_up=CatchUp.RUN_ONCE,
            description="settle SMS whose send outcome is unknown by asking the provider",
            # A run takes seconds; a replica dying mid-run holds the job only this long.
            lease=timedelta(seconds=30),
        ),
    ]
