"""`POST /webhooks/twilio`: SMS status callbacks.

The signature covers our public URL (from settings) plus the request's path
and query, and every form parameter. The callback URL we give the provider
carries our message id (`?message_id=`), so a callback finds its message even
when it overtakes the worker's own record of the send. The dedupe key is made of
signed fields only, message sid plus status: the `I-Twilio-Idempotency-Token`
header is not covered by the signature, so a replayed callback with a fresh
header would otherwise count as a new event.
"""

from __future__ import annotations

import uuid
from typing import Literal
from urllib.parse import parse_qsl

from aiohttp import web

from connectors.sms import SIGNATURE_HEADER, MessageStatus, StatusCallback
from gateway.providers import PROVIDERS, public_url
from gateway.webhooks.events import IncomingEvent, store_event
from gateway.webhooks.intake import (
    INTAKE,
    acknowledged,
    event_key,
    read_body,
    refuse,
    unreadable,
)
from shared.database import Cursor, transaction
from shared.events import SmsStatusChanged
from shared.messaging import outbox
from shared.storable_text import is_storable
from shared.web.keys import POOL, SETTINGS
from shared.web.producing import event_for_request

PROVIDER = "twilio"

ReportedStatus = Literal["queued", "sending", "sent", "delivered", "undelivered", "failed"]

# The provider's statuses as our message rows know them; others (inbound ones) are only stored.
STATUS_MAP: dict[MessageStatus, ReportedStatus] = {
    MessageStatus.ACCEPTED: "queued",
    MessageStatus.SCHEDULED: "queued",
    MessageStatus.QUEUED: "queued",
    MessageStatus.SENDING: "sending",
    MessageStatus.SENT: "sent",
    MessageStatus.PARTIALLY_DELIVERED: "sent",
    MessageStatus.DELIVERED: "delivered",
    MessageStatus.READ: "delivered",
    MessageStatus.UNDELIVERED: "undelivered",
    MessageStatus.FAILED: "failed",
    MessageStatus.CANCELED: "failed",
}


async def receive(request: web.Request) -> web.Response:
    """Verify, store once, emit `sms.status_changed`, answer 200."""
    body = await read_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return refuse(request, PROVIDER, "body is not UTF-8")
    params = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
    url = public_url(request.app[SETTINGS], request.raw_path)
    validator = request.app[PROVIDERS].twilio_signatures
    if not validator.is_valid(url, params, request.headers.get(SIGNATURE_HEADER)):
        reason = "missing signature" if SIGNATURE_HEADER not in request.headers else "bad signature"
        return refuse(request, PROVIDER, reason)
    if not all(is_storable(name + value) for name, value in params) or not is_storable(text):
        return unreadable(PROVIDER, "a NUL in the form")
    try:
        callback = StatusCallback.from_form(params)
    except (KeyError, ValueError):
        return unreadable(PROVIDER, "not a status callback")
    key = f"{callback.message_sid}:{callback.message_status.value}"
    status = STATUS_MAP.get(callback.message_status)
    message_id = _message_id_from_url(request)
    event_type = f"sms.{callback.message_status.value}"
    if status is not None and message_id is not None:
        # The usual case: our id is in the callback URL, so no lookup is needed.
        data = SmsStatusChanged(
            message_id=message_id,
            status=status,
            provider_message_id=callback.message_sid,
            error_code=callback.error_code,
        )
        envelope = event_for_request(request, data, name="sms.status_changed")
        stored = await request.app[INTAKE].submit(
            IncomingEvent(PROVIDER, event_key(key), event_type, body, envelope)
        )
        return acknowledged(request, PROVIDER, stored)
    async with transaction(request.app[POOL]) as cur:
        stored_id = await store_event(
            cur, provider=PROVIDER, key=event_key(key), event_type=event_type, payload=body
        )
        if stored_id is not None and status is not None:
            found = await _message_id_by_sid(cur, callback.message_sid)
            if found is not None:
                data = SmsStatusChanged(
                    message_id=found,
                    status=status,
                    provider_message_id=callback.message_sid,
                    error_code=callback.error_code,
                )
                await outbox.add(cur, event_for_request(request, data, name="sms.status_changed"))
    return acknowledged(request, PROVIDER, stored_id is not None)


def _message_id_from_url(request: web.Request) -> uuid.UUID | None:
    """Our message id from the callback URL's query (we put it there when sending)."""
    try:
        return uuid.UUID(request.query.get("message_id", ""))
    except ValueError:
        return None


async def _message_id_by_sid(cur: Cursor, message_sid: str) -> uuid.UUID | None:
    """Our message id by the provider's sid (callbacks to a URL without our id)."""
    await cur.execute("SELECT id FROM sms_messages WHERE provider_message_id = %s", (message_sid,))
    row = await cur.fetchone()
    return uuid.UUID(str(row[0])) if row is not None else None
