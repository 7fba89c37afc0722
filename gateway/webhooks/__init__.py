"""Provider webhooks: `POST /webhooks/twilio|plaid|calendly`.

Each handler verifies the provider's signature on the raw bytes before
anything else (401, a counter and a warning without the body when it fails),
then in one transaction stores the raw event once (unique on provider and
event key, so a duplicate answers 200 and does nothing) and writes the event
the worker acts on to the outbox, and answers 2xx. The hottest path (Twilio
status callbacks) shares that transaction with concurrent callbacks (group
commit, `intake.store_events`) and still answers only once it is committed.
The work itself happens in the worker, so providers get their answer in
milliseconds.
"""

from __future__ import annotations

from aiohttp import web

from gateway.providers import CALENDLY_WEBHOOK_PATH, PLAID_WEBHOOK_PATH, TWILIO_WEBHOOK_PATH
from gateway.webhooks import calendly, plaid, twilio
from gateway.webhooks.intake import WEBHOOK_STATS, WebhookStats, intake_context


def setup(app: web.Application) -> None:
    """Add the webhook routes and their counters to the gateway web app."""
    app[WEBHOOK_STATS] = WebhookStats()
    app.cleanup_ctx.append(intake_context)
    app.router.add_post(TWILIO_WEBHOOK_PATH, twilio.receive, name="webhook_twilio")
    app.router.add_post(PLAID_WEBHOOK_PATH, plaid.receive, name="webhook_plaid")
    app.router.add_post(CALENDLY_WEBHOOK_PATH, calendly.receive, name="webhook_calendly")
