"""Every scheduled job, with its schedule, time zone and catch-up policy, in one place."""

from __future__ import annotations

from datetime import timedelta

from connectors.bookings import open_scheduling_client
from connectors.sms import open_sms_client
from gateway.jobs import nightly_sync
from gateway.jobs.job import Job, job
from gateway.jobs.nightly_sync import nightly_balance_refresh
from gateway.jobs.reminders import AppointmentReminders
from gateway.jobs.retention import Retention
from gateway.jobs.sms_reconciliation import SmsReconciliation
from gateway.jobs.subscriptions import SubscriptionCheck
from gateway.jobs.sweeps import sweep_stuck_work
from gateway.providers import scheduling_config, sms_config
from shared.jobs.schedule import CatchUp
from shared.settings import Settings


def default_jobs(settings: Settings) -> list[Job]:
    """The jobs `python -m gateway scheduler` runs."""
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
            "nightly-balance-refresh",
            nightly_balance_refresh,
            cron=nightly_sync.CRON,
            timezone=nightly_sync.TIME_ZONE,
            # A missed slot's share moves to the next ones; a missed night is not replayed by day.
            catch_up=CatchUp.SKIP,
            grace=timedelta(minutes=15),
            description="balance refresh of every active linked login, spread over 01:00-05:00",
        ),
        job(
            "retention",
            Retention(settings),
            cron="30 3 * * *",
            timezone="UTC",
            catch_up=CatchUp.RUN_ONCE,
            lease=timedelta(minutes=5),
            description="delete old outbox, inbox, webhook events, sessions and run history",
        ),
        job(
            "stuck-work-sweep",
            sweep_stuck_work,
            cron="*/5 * * * *",
            timezone="UTC",
            catch_up=CatchUp.RUN_ONCE,
            description="retry or fail SMS, syncs and eligibility files that stopped moving",
        ),
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
