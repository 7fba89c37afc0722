"""SMS flows: send requested messages, apply the provider's status reports.

Sending never happens twice for one message. Before calling the provider the
row moves `requested -> sending` in its own committed transaction (the claimed
send the email flow shares, `gateway.claimed_send`); a
redelivered (or repeated) `sms.requested` that finds the row past `requested`
sends nothing. After the call:

- accepted: the row becomes `sent` with the provider's message id;
- refused for good (`PermanentError`, e.g. an invalid number, or the
  environment gate): `failed` with the error code;
- failed in a way that proves nothing was sent (connection refused, 429, 503,
  open breaker): the claim is released and the message retried later;
- held back by our own outbound limit (the sender's slots are taken further
  ahead than the policy waits): the claim is released and the message
  deferred, its attempts not counted, so a backlog drains at the sender's
  rate instead of ending in the dead-letter queue;
- ambiguous (a timeout or a 5xx after the request left, `ambiguous=True`, or
  a 2xx whose body we cannot read, `UnexpectedResponse`):
  the provider may have sent it, and it takes no idempotency key, so we do
  not retry. The row stays `sending` with `error_code = send_outcome_unknown`:
  if the message went out, its status callbacks (which carry our message id
  in the callback URL) move it on; if not, reconciliation
  (`gateway.sms.reconciliation`) asks the provider.

A handler is cancelled only when the worker stops past its shutdown timeout.
If the request had not begun to go out (`RequestProgress.written` false) the
claim is released, so the redelivery sends it; otherwise the row stays
`sending` with `send_outcome_unknown` for reconciliation.

Claims commit through their own small pool (`claims_pool`): the handler
already holds a connection of the main pool for its transaction, so taking a
second one from the same pool could starve it when many handlers run at once.

Status reports (`sms.status_changed`) only move a row forward.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from functools import partial

from connectors.errors import (
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
    UnexpectedResponse,
)
from connectors.http import RequestProgress
from connectors.sms import SmsSender
from gateway.claimed_send import ClaimedSend
from shared.database import Pool, transaction
from shared.events import SmsRequested, SmsStatusChanged
from shared.messaging import topology
from shared.messaging.consumer import Consumer, HandlerContext
from shared.messaging.errors import Deferred
from shared.sms import messages as sms_messages

log = logging.getLogger(__name__)

DISPATCH_QUEUE = topology.queue_by_name("gateway.sms")
STATUS_QUEUE = topology.queue_by_name("gateway.sms_status")
SEND_OUTCOME_UNKNOWN = "send_outcome_unknown"
CLAIMED_SEND = ClaimedSend(
    "sms", "SMS", sms_messages.claim, sms_messages.status_of, sms_messages.release, log
)


@dataclass(frozen=True)
class SmsDispatch:
    """The dispatch handler's dependencies: the sender, the claims pool, the callback URL."""

    sender: SmsSender
    claims_pool: Pool
    # Our public Twilio webhook (`gateway.providers.public_url`); the message id rides in it.
    status_webhook_url: str

    def status_callback_url(self, message_id: uuid.UUID) -> str:
        """Where the provider reports this message's statuses (our id rides in the query)."""
        return f"{self.status_webhook_url}?message_id={message_id}"


async def dispatch(flow: SmsDispatch, ctx: HandlerContext[SmsRequested]) -> None:
    """`sms.requested`: send the message once through the SMS provider."""
    message_id = ctx.data.message_id
    claimed = await CLAIMED_SEND.take(flow.claims_pool, ctx.cur, message_id)
    if claimed is None:
        return
    if not claimed.phone_e164 or not claimed.sms_opt_in:
        reason = "no_phone" if not claimed.phone_e164 else "not_opted_in"
        await sms_messages.advance(ctx.cur, message_id, "failed", error_code=reason)
        return
    progress = RequestProgress()
    try:
        sent = await flow.sender.send(
            claimed.phone_e164,
            claimed.body,
            status_callback_url=flow.status_callback_url(message_id),
            progress=progress,
        )
    except asyncio.CancelledError:
        # Shutdown past its timeout; this handler's own transaction is rolled back.
        await asyncio.shield(_after_cancel(flow.claims_pool, message_id, written=progress.written))
        raise
    except UnexpectedResponse as exc:
        # A 2xx we cannot read: the provider accepted the message, so it is not "failed";
        # like a timeout, its callbacks or reconciliation settle it.
        await sms_messages.mark_outcome_unknown(ctx.cur, message_id, SEND_OUTCOME_UNKNOWN)
        log.warning("sms accepted but its answer is unreadable", extra={"fields": exc.fields})
        return
    except PermanentError as exc:
        await sms_messages.advance(
            ctx.cur, message_id, "failed", error_code=exc.code or type(exc).__name__
        )
        log.warning("sms refused", extra={"error_type": type(exc).__name__, "code": exc.code})
        return
    except RateLimited as exc:
        await CLAIMED_SEND.give_back(flow.claims_pool, message_id)
        if exc.status is None:  # our own limiter: nothing was sent, wait for a slot
            raise Deferred(exc.retry_after or 1.0, "sender rate limit") from None
        raise
    except TransientError as exc:
        if exc.ambiguous:
            await sms_messages.mark_outcome_unknown(ctx.cur, message_id, SEND_OUTCOME_UNKNOWN)
            log.warning("sms send outcome unknown, not retrying", extra={"code": exc.code})
            return
        await CLAIMED_SEND.give_back(flow.claims_pool, message_id)
        raise
    except ConnectorError:
        await CLAIMED_SEND.give_back(flow.claims_pool, message_id)  # CircuitOpen: nothing was sent
        raise
    if sent.status.value == "failed":
        error = str(sent.error_code) if sent.error_code else "failed"
        await sms_messages.advance(
            ctx.cur, message_id, "failed", provider_message_id=sent.sid, error_code=error
        )
        return
    await sms_messages.advance(ctx.cur, message_id, "sent", provider_message_id=sent.sid)


async def _after_cancel(claims_pool: Pool, message_id: uuid.UUID, *, written: bool) -> None:
    """Leave a cancelled send where the next delivery (or reconciliation) can take it on."""
    async with transaction(claims_pool) as cur:
        if written:
            await sms_messages.mark_outcome_unknown(cur, message_id, SEND_OUTCOME_UNKNOWN)
        else:
            await sms_messages.release(cur, message_id)
    log.warning(
        "sms send cancelled at shutdown",
        extra={"request_written": written, "outcome": "unknown" if written else "released"},
    )


async def apply_statuses(contexts: list[HandlerContext[SmsStatusChanged]]) -> None:
    """`sms.status_changed`, a batch at a time: move each message forward (never back).

    A status callback only updates its message's row, so a batch of them is one
    set-based UPDATE (`sms_messages.advance_many`) instead of one per callback.
    """
    await sms_messages.advance_many(
        contexts[0].cur,
        [
            sms_messages.Step(
                ctx.data.message_id,
                ctx.data.status,
                provider_message_id=ctx.data.provider_message_id,
                error_code=ctx.data.error_code,
            )
            for ctx in contexts
            # queued: the provider accepted it; our row already says sending or sent
            if ctx.data.status != "queued"
        ],
    )


def consumers(sender: SmsSender, claims_pool: Pool, *, status_webhook_url: str) -> list[Consumer]:
    """The SMS consumers: dispatch calls the provider (one at a time), status is DB-only."""
    flow = SmsDispatch(sender, claims_pool, status_webhook_url)
    return [
        Consumer(DISPATCH_QUEUE, {SmsRequested: partial(dispatch, flow)}, batch_size=1),
        Consumer(STATUS_QUEUE, batch_handlers={SmsStatusChanged: apply_statuses}, batch_size=32),
    ]
