"""SMS reconciliation: a send whose outcome is unknown is settled by asking the provider.

A message stays `sending` when the worker could not learn what the provider
did (a timeout or 5xx after the request left, a worker killed mid-call, a
shutdown past its timeout). The provider takes no idempotency key, so sending
again blindly could text the member twice, and failing it blindly could leave
them without the text. Every minute this job takes the messages `sending` for
longer than `SMS_RECONCILE_AFTER_SECONDS` and reads the provider's message
list ("Read multiple Message resources": `To`, `From`, `DateSent>` = the day
the send began, every page):

- the provider has it: we adopt its sid and status (`sent`, `delivered`, ...);
- the complete list shows it does not: the claim is released and
  `sms.requested` written again, so the worker sends it (at most 3 times, then
  it fails `resend_gave_up`);
- the provider cannot be asked: the message waits for the next run; after 30
  minutes of that it fails `stuck_sending`.

Status callbacks are posted once, so one that met an outage of ours is lost:
a message `sent` for longer than `SMS_STATUS_RECONCILE_AFTER_SECONDS` is looked
up by its sid and takes the provider's final status (else it is asked again
after as long).

Matching: the provider's message resource does not return the StatusCallback
URL that carries our message id, so a listed message is ours when its
recipient, sender and body are ours, it was created no earlier than our send
began (less clock skew), and no other message of ours holds its sid already.
Provider calls happen outside any transaction; the final transaction
re-checks that each message is still `sending` since the same moment.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.errors import ConnectorError
from connectors.sms import ListedMessage, SmsLedger
from gateway import stuck_work
from shared.database import Cursor
from shared.events import SmsRequested
from shared.jobs.job import JobContext
from shared.settings import Settings
from shared.sms import messages as sms_messages
from shared.switches import read_states

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=5)
MAX_RESENDS = 3
BATCH = 100
RESEND_KIND = "sms.resend"
SEND_OUTCOME_UNKNOWN = "send_outcome_unknown"  # what the SMS flow marks (gateway.sms.flows)

# The provider's statuses as ours (ours only move forward; see sms_messages.RANK).
ADOPTED_STATUS = {
    "delivered": "delivered",
    "read": "delivered",
    "partially_delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

LedgerFactory = Callable[[], AbstractAsyncContextManager[SmsLedger]]


@dataclass(frozen=True)
class Stuck:
    """A message `sending` past the threshold, with what matching needs."""

    id: uuid.UUID
    member_id: uuid.UUID
    phone: str | None
    body: str
    since: datetime


class SmsReconciliation:
    """The job; the SMS client is opened per run (the scheduler holds no connectors)."""

    def __init__(self, settings: Settings, open_ledger: LedgerFactory) -> None:
        self.after = timedelta(seconds=settings.sms_reconcile_after_seconds)
        self.status_after = timedelta(seconds=settings.sms_status_reconcile_after_seconds)
        self._open_ledger = open_ledger

    async def __call__(self, ctx: JobContext) -> None:
        now = ctx.now()
        async with ctx.transaction() as cur:
            if not (await read_states(cur))["sms.dispatch"]:
                ctx.record(sms="paused by the sms.dispatch switch")
                return
            stuck = await _stuck(cur, now - self.after)
            adopted_sids = await _known_sids(cur, [m.phone for m in stuck if m.phone])
            unreported = await _unreported(cur, now - self.status_after)
        found: dict[uuid.UUID, ListedMessage | None] = {}
        unreachable: list[Stuck] = []
        reports: dict[uuid.UUID, ListedMessage | None] = {}
        if stuck or unreported:
            async with self._open_ledger() as ledger:
                for message in stuck:
                    try:
                        found[message.id] = await _look_up(ledger, message, adopted_sids)
                    except ConnectorError as exc:
                        log.warning(
                            "sms reconciliation could not read the provider's list",
                            extra={"error_type": type(exc).__name__},
                        )
                        unreachable.append(message)
                for unreported_message in unreported:
                    try:
                        reports[unreported_message.id] = await ledger.fetch_message(
                            unreported_message.sid
                        )
                    except ConnectorError as exc:
                        log.warning(
                            "sms reconciliation could not fetch a message",
                            extra={"error_type": type(exc).__name__},
                        )
        async with ctx.completing() as cur:
            adopted, resent, failed = await _settle(ctx, cur, stuck, found)
            gave_up = await _give_up(cur, [m for m in unreachable if now - m.since > GIVE_UP_AFTER])
            finished = await _apply_reports(cur, unreported, reports)
        ctx.record(
            stuck=len(stuck),
            adopted=adopted,
            resent=resent,
            resend_gave_up=failed,
            unreachable=len(unreachable),
            stuck_sending_failed=gave_up,
            unreported=len(unreported),
            status_adopted=finished,
        )
        if adopted or resent or failed or gave_up or finished:
            log.warning(
                "sms reconciled",
                extra={
                    "adopted": adopted,
                    "resent": resent,
                    "failed": failed + gave_up,
                    "status_adopted": finished,
                },
            )


async def _look_up(ledger: SmsLedger, message: Stuck, taken: set[str]) -> ListedMessage | None:
    """The provider's record of a stuck send, or None when its complete list lacks it."""
    if message.phone is None:
        return None  # nothing can have been sent to no number
    listed = await ledger.list_messages(
        to=message.phone, sent_on_or_after=(message.since - CLOCK_SKEW).date()
    )
    match = _match(message, listed, taken)
    if match is not None:
        taken.add(match.sid)
    return match


@dataclass(frozen=True)
class Unreported:
    """A message `sent` long ago whose final status never arrived."""

    id: uuid.UUID
    sid: str
    since: datetime


async def _unreported(cur: Cursor, cutoff: datetime) -> list[Unreported]:
    await cur.execute(
        "SELECT id, provider_message_id, updated_at FROM sms_messages"
        " WHERE status = 'sent' AND provider_message_id IS NOT NULL AND updated_at < %s"
        " ORDER BY updated_at LIMIT %s",
        (cutoff, BATCH),
    )
    return [Unreported(uuid.UUID(str(row[0])), str(row[1]), row[2]) for row in await cur.fetchall()]


async def _apply_reports(
    cur: Cursor, unreported: list[Unreported], reports: dict[uuid.UUID, ListedMessage | None]
) -> int:
    """Adopt final statuses; touch the others so they are asked again only after a while."""
    finished = 0
    for message in unreported:
        if message.id not in reports:
            continue
        await cur.execute(
            "SELECT 1 FROM sms_messages WHERE id = %s AND status = 'sent' AND updated_at = %s"
            " FOR UPDATE",
            (str(message.id), message.since),
        )
        if await cur.fetchone() is None:
            continue  # its report arrived meanwhile
        report = reports[message.id]
        status = ADOPTED_STATUS.get(report.status) if report is not None else None
        if report is not None and status is not None:
            code = str(report.error_code) if report.error_code else None
            await sms_messages.advance(cur, message.id, status, error_code=code)
            finished += 1
        else:
            await sms_messages.touch(cur, message.id)
    return finished


async def _stuck(cur: Cursor, cutoff: datetime) -> list[Stuck]:
    await cur.execute(
        "SELECT m.id, m.member_id, p.phone_e164, m.body, m.updated_at"
        " FROM sms_messages m JOIN members p ON p.id = m.member_id"
        " WHERE m.status = 'sending' AND m.updated_at < %s ORDER BY m.updated_at LIMIT %s",
        (cutoff, BATCH),
    )
    return [
        Stuck(uuid.UUID(str(row[0])), uuid.UUID(str(row[1])), row[2], row[3], row[4])
        for row in await cur.fetchall()
    ]


async def _known_sids(cur: Cursor, phones: list[str]) -> set[str]:
    """Provider sids our messages to these numbers already hold (never adopted twice)."""
    if not phones:
        return set()
    await cur.execute(
        "SELECT m.provider_message_id FROM sms_messages m JOIN members p ON p.id = m.member_id"
        " WHERE p.phone_e164 = ANY(%s) AND m.provider_message_id IS NOT NULL",
        (phones,),
    )
    return {str(row[0]) for row in await cur.fetchall()}


def _match(message: Stuck, listed: list[ListedMessage], taken: set[str]) -> ListedMessage | None:
    """The provider's record of this send: same recipient and body, created since it began."""
    earliest = message.since - CLOCK_SKEW
    candidates = [
        item
        for item in listed
        if item.sid not in taken
        and item.to == message.phone
        and item.body == message.body
        and (item.direction is None or item.direction.startswith("outbound"))
        and (item.date_created is None or item.date_created >= earliest)
    ]
    candidates.sort(key=lambda item: (item.date_created is None, item.date_created, item.sid))
    return candidates[0] if candidates else None


async def _settle(
    ctx: JobContext,
    cur: Cursor,
    stuck: list[Stuck],
    found: dict[uuid.UUID, ListedMessage | None],
) -> tuple[int, int, int]:
    adopted = resent = failed = 0
    resend: list[Stuck] = []
    for message in stuck:
        if message.id not in found:
            continue  # the provider could not be asked
        if not await _still_stuck(cur, message):
            continue  # a callback or the worker moved it meanwhile
        match = found[message.id]
        if match is not None:
            status = ADOPTED_STATUS.get(match.status, "sent")
            await sms_messages.clear_outcome_unknown(cur, message.id, SEND_OUTCOME_UNKNOWN)
            await sms_messages.advance(
                cur,
                message.id,
                status,
                provider_message_id=match.sid,
                error_code=str(match.error_code) if match.error_code else None,
            )
            adopted += 1
        else:
            resend.append(message)
    if resend:
        attempts = await stuck_work.count_retries(
            cur, RESEND_KIND, [str(m.id) for m in resend], ctx.now()
        )
        again = [m for m in resend if attempts[str(m.id)] <= MAX_RESENDS]
        for message in again:
            await sms_messages.release(cur, message.id)
        await ctx.emit(
            cur,
            [
                ("sms.requested", SmsRequested(message_id=m.id, member_id=m.member_id))
                for m in again
            ],
        )
        exhausted = [m.id for m in resend if attempts[str(m.id)] > MAX_RESENDS]
        for message_id in exhausted:
            await sms_messages.advance(cur, message_id, "failed", error_code="resend_gave_up")
        resent, failed = len(again), len(exhausted)
    return adopted, resent, failed


async def _still_stuck(cur: Cursor, message: Stuck) -> bool:
    await cur.execute(
        "SELECT 1 FROM sms_messages WHERE id = %s AND status = 'sending' AND updated_at = %s"
        " FOR UPDATE",
        (str(message.id), message.since),
    )
    return await cur.fetchone() is not None


async def _give_up(cur: Cursor, messages: list[Stuck]) -> int:
    """Fail messages the provider could not be asked about for `GIVE_UP_AFTER`."""
    count = 0
    for message in messages:
        if await _still_stuck(cur, message):
            await sms_messages.advance(cur, message.id, "failed", error_code="stuck_sending")
            count += 1
    return count
