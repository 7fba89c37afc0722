"""Webhook intake shared by the providers' webhooks (`POST /webhooks/<provider>`).

Each provider's webhook lives with its feature (`gateway/sms/webhook.py`,
`gateway/accounts/webhook.py`, `gateway/bookings/webhook.py`). Each handler
verifies the provider's signature on the raw bytes before anything else (401,
a counter and a warning without the body when it fails), then in one
transaction stores the raw event once (unique on provider and event key, so a
duplicate answers 200 and does nothing) and writes the event the worker acts on
to the outbox, and answers 2xx. The hottest path (Twilio status callbacks)
shares that transaction with concurrent callbacks (group commit,
`events.store_events`) and still answers only once it is committed. `events.py`
holds every statement that writes `webhook_events`. The work
itself happens in the worker, so providers get their answer in milliseconds.
"""

from __future__ import annotations

from aiohttp import web

from gateway.webhooks.intake import WEBHOOK_STATS, WebhookStats, intake_context


def setup(app: web.Application) -> None:
    """Add the webhooks' counters and the intake's group commit to the gateway web app."""
    app[WEBHOOK_STATS] = WebhookStats()
    app.cleanup_ctx.append(intake_context)
