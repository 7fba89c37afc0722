"""Every statement that writes `email_messages`, and the rule for its status.

    requested -> sending -> sent | failed | not_dispatched

The bff queues a message (`queue`: the row and `email.requested` in the caller's
transaction). The worker claims it (`requested -> sending`, committed on its own
before the provider is called, so a redelivery sends nothing), then records the
outcome (`finish`). Once a send has an outcome the bodies are erased: they can
hold a single-use verification link, which should not outlive its delivery.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from shared.database import Cursor
from shared.events import EmailRequested
from shared.messaging import outbox
from shared.messaging.envelope import Envelope

Purpose = Literal["signup_verification", "signup_account_exists"]
Outcome = Literal["sent", "failed", "not_dispatched"]
# Builds the envelope for the event (the bff's carries the request's correlation id).
EnvelopeFactory = Callable[[EmailRequested], Envelope]


@dataclass(frozen=True)
class Email:
    """One email as the feature that owns its copy rendered it."""

    to_address: str
    purpose: Purpose
    subject: str
    text_body: str
    html_body: str


@dataclass(frozen=True)
class Claimed:
    """A message this worker may send now."""

    to_address: str
    subject: str
    text_body: str
    html_body: str | None


async def queue(cur: Cursor, email: Email, event: EnvelopeFactory) -> uuid.UUID:
    """Insert the message and its `email.requested` event through the caller's transaction."""
    message_id = uuid.uuid4()
    await cur.execute(
        "INSERT INTO email_messages (id, to_address, purpose, subject, text_body, html_body)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (
            str(message_id),
            email.to_address,
            email.purpose,
            email.subject,
            email.text_body,
            email.html_body,
        ),
    )
    await outbox.add(cur, event(EmailRequested(message_id=message_id)))
    return message_id


async def claim(cur: Cursor, message_id: uuid.UUID) -> Claimed | None:
    """Move a `requested` message to `sending`; None when it is not `requested` (or missing)."""
    await cur.execute(
        "UPDATE email_messages SET status = 'sending', updated_at = now()"
        " WHERE id = %s AND status = 'requested' AND text_body IS NOT NULL"
        " RETURNING to_address, subject, text_body, html_body",
        (str(message_id),),
    )
    row = await cur.fetchone()
    return Claimed(row[0], row[1], row[2], row[3]) if row is not None else None


async def status_of(cur: Cursor, message_id: uuid.UUID) -> str | None:
    """The message's status, or None when there is no such message."""
    await cur.execute("SELECT status FROM email_messages WHERE id = %s", (str(message_id),))
    row = await cur.fetchone()
    return str(row[0]) if row is not None else None


async def release(cur: Cursor, message_id: uuid.UUID) -> None:
    """Undo a claim after a failure that proves nothing was sent, so a retry may send."""
    await cur.execute(
        "UPDATE email_messages SET status = 'requested', updated_at = now()"
        " WHERE id = %s AND status = 'sending'",
        (str(message_id),),
    )


async def finish(
    cur: Cursor,
    message_id: uuid.UUID,
    outcome: Outcome,
    *,
    provider_message_id: str | None = None,
    error_code: str | None = None,
) -> None:
    """Record the send's outcome on a `sending` message and erase its bodies."""
    await cur.execute(
        "UPDATE email_messages SET status = %s, provider_message_id = %s, error_code = %s,"
        " text_body = NULL, html_body = NULL, updated_at = now()"
        " WHERE id = %s AND status = 'sending'",
        (outcome, provider_message_id, error_code, str(message_id)),
    )


async def mark_outcome_unknown(cur: Cursor, message_id: uuid.UUID, error_code: str) -> None:
    """The provider may have sent it (no idempotency key): keep `sending`, say why, erase bodies."""
    await cur.execute(
        "UPDATE email_messages SET error_code = %s, text_body = NULL, html_body = NULL,"
        " updated_at = now() WHERE id = %s AND status = 'sending'",
        (error_code, str(message_id)),
    )
