"""Email flow: send a queued `email_messages` row once through the email provider (SES).

Mirrors the SMS flow, with the same claimed send (`gateway.claimed_send`).
Before calling the provider the row moves
`requested -> sending` in its own committed transaction (`claims_pool`); a
redelivered or repeated `email.requested` that finds the row past `requested`
sends nothing (and the consumer's inbox row already makes a redelivered
envelope a no-op). After the call:

- accepted: `sent` with SES's message id;
- refused by the environment gate (local/test pointed at a real endpoint):
  `not_dispatched`, nothing left the process;
- refused for good (`PermanentError`, e.g. `MessageRejected`): `failed`;
- failed in a way that proves nothing was sent (connect error, throttling, 503,
  open breaker): the claim is released and the message retried later;
- ambiguous (read timeout, 500): SES may have sent it and takes no idempotency
  key, so it is not retried; the row stays `sending` with
  `error_code = send_outcome_unknown`.

Whatever the outcome, the bodies are erased once it is known (they can hold a
single-use verification link).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from connectors.email import EmailSender, OutgoingEmail
from connectors.errors import ConnectorError, EmailGateError, PermanentError, TransientError
from gateway.claimed_send import ClaimedSend
from shared.database import Pool
from shared.email import messages
from shared.events import EmailRequested
from shared.messaging import topology
from shared.messaging.consumer import Consumer, HandlerContext

log = logging.getLogger(__name__)

QUEUE = topology.queue_by_name("gateway.email")
SEND_OUTCOME_UNKNOWN = "send_outcome_unknown"
CLAIMED_SEND = ClaimedSend(
    "email", "email", messages.claim, messages.status_of, messages.release, log
)


@dataclass(frozen=True)
class EmailDispatch:
    """The dispatch handler's dependencies: the sender and the claims pool."""

    sender: EmailSender
    claims_pool: Pool


async def dispatch(flow: EmailDispatch, ctx: HandlerContext[EmailRequested]) -> None:
    """`email.requested`: send the message once through the email provider."""
    message_id = ctx.data.message_id
    claimed = await CLAIMED_SEND.take(flow.claims_pool, ctx.cur, message_id)
    if claimed is None:
        return
    email = OutgoingEmail(
        to_address=claimed.to_address,
        subject=claimed.subject,
        text_body=claimed.text_body,
        html_body=claimed.html_body,
    )
    try:
        sent = await flow.sender.send(email)
    except EmailGateError:
        await messages.finish(ctx.cur, message_id, "not_dispatched", error_code="environment_gate")
        log.warning("email not dispatched: this environment may not send real email")
        return
    except PermanentError as exc:
        error = exc.code or type(exc).__name__
        await messages.finish(ctx.cur, message_id, "failed", error_code=error)
        log.warning("email refused", extra={"error_type": type(exc).__name__, "code": exc.code})
        return
    except TransientError as exc:
        if exc.ambiguous:
            await messages.mark_outcome_unknown(ctx.cur, message_id, SEND_OUTCOME_UNKNOWN)
            log.warning("email send outcome unknown, not retrying", extra={"code": exc.code})
            return
        await CLAIMED_SEND.give_back(flow.claims_pool, message_id)
        raise
    except ConnectorError:
        await CLAIMED_SEND.give_back(flow.claims_pool, message_id)  # CircuitOpen: nothing was sent
        raise
    await messages.finish(ctx.cur, message_id, "sent", provider_message_id=sent.message_id)


def consumers(sender: EmailSender, claims_pool: Pool) -> list[Consumer]:
    """The email consumer: calls the provider one message at a time."""
    flow = EmailDispatch(sender, claims_pool)
    return [Consumer(QUEUE, {EmailRequested: partial(dispatch, flow)}, batch_size=1)]
