"""`POST /webhooks/calendly`: `invitee.created` / `invitee.canceled` booking webhooks.

Verified with `Calendly-Webhook-Signature` (HMAC-SHA256 over `t.body`, with a
3-minute window against replay). The dedupe key is the event name plus the
invitee's URI: each booking and each cancellation has its own invitee record.
The event sent to the worker names the stored row, keeping invitee emails out
of the broker.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from connectors.bookings import SIGNATURE_HEADER, InviteeWebhook
from connectors.errors import WebhookVerificationError
from gateway.providers import PROVIDERS
from gateway.webhooks.events import store_event
from gateway.webhooks.intake import (
    acknowledged,
    event_key,
    read_body,
    refuse,
    unreadable,
)
from shared.database import transaction
from shared.events.appointments_sync import SchedulingInviteeReported
from shared.messaging import outbox
from shared.web.keys import POOL
from shared.web.producing import event_for_request

PROVIDER = "calendly"


async def receive(request: web.Request) -> web.Response:
    """Verify, store once, emit `scheduling.invitee_reported`, answer 200."""
    body = await read_body(request)
    try:
        request.app[PROVIDERS].calendly_signatures.verify(
            request.headers.get(SIGNATURE_HEADER), body
        )
    except WebhookVerificationError as exc:
        return refuse(request, PROVIDER, str(exc))
    try:
        hook = InviteeWebhook.model_validate_json(body, strict=True)
    except ValidationError:
        return unreadable(PROVIDER, "not an invitee webhook")
    async with transaction(request.app[POOL]) as cur:
        stored = await store_event(
            cur,
            provider=PROVIDER,
            key=event_key(f"{hook.event.value}:{hook.payload.uri}"),
            event_type=hook.event.value,
            payload=body,
        )
        if stored is not None:
            data = SchedulingInviteeReported(webhook_event_id=stored, event=hook.event.value)
            await outbox.add(
                cur, event_for_request(request, data, name="scheduling.invitee_reported")
            )
    return acknowledged(request, PROVIDER, stored is not None)
