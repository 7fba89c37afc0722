"""Every statement that writes `sms_messages`, and its status rule: it only moves forward.

    requested -> sending -> sent -> delivered | undelivered | failed

The bff queues an advisor's message (`queue_advisor`) and the reminders job its
reminders (`queue_reminders`), each with `sms.requested` in the caller's
transaction; the worker claims, releases and advances them; the sweep and
reconciliation jobs fail or touch the ones that stopped moving. Both deployables
write the table, so its one owner lives in `shared/`.

`failed` can also come straight from `requested`/`sending` (refused before or
by the provider). A status with a lower rank than the row's never overwrites
it, so callbacks arriving out of order, or after the worker's own record of
the send, are harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.database import Cursor

RANK = {"requested": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}


@dataclass(frozen=True)
class Claimed:
    """A message this worker may send now, with where it goes."""

    body: str
    phone_e164: str | None
    sms_opt_in: bool


@dataclass(frozen=True)
class Queued:
    """An advisor's message as the bff answers it."""

    id: uuid.UUID
    body: str
    status: str
    error_code: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewReminder:
    """A reminder to queue for a booked appointment (unique on appointment and purpose)."""

    member_id: uuid.UUID
    purpose: str
    appointment_id: uuid.UUID
    template: str
    body: str


async def queue_advisor(
    cur: Cursor,
    message_id: uuid.UUID,
    *,
    member_id: uuid.UUID,
    sent_by: uuid.UUID,
    template: str | None,
    body: str,
) -> Queued:
    """Insert an advisor's message as `requested` (the caller writes its `sms.requested`)."""
    await cur.execute(
        "INSERT INTO sms_messages (id, member_id, sent_by, purpose, template, body)"
        " VALUES (%s, %s, %s, 'advisor', %s, %s)"
        " RETURNING id, body, status, error_code, created_at, updated_at",
        (str(message_id), str(member_id), str(sent_by), template, body),
    )
    row = await cur.fetchone()
    return Queued(uuid.UUID(str(row[0])), row[1], row[2], row[3], row[4], row[5])


async def queue_reminders(
    cur: Cursor, reminders: Sequence[NewReminder], *, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Insert reminders as `requested` in one statement; (id, member id) of those written.

    A reminder some other transaction wrote meanwhile is skipped, not written twice.
    """
    rows = [
        (
            str(uuid.uuid4()),
            str(item.member_id),
            item.purpose,
            str(item.appointment_id),
            item.template,
            item.body,
            now,
            now,
        )
        for item in reminders
    ]
    placeholders = ",".join(["(%s, %s, %s, %s, %s, %s, 'requested', %s, %s)"] * len(rows))
    await cur.execute(
        "INSERT INTO sms_messages (id, member_id, purpose, appointment_id, template, body,"  # noqa: S608 - placeholders only
        " status, created_at, updated_at) VALUES " + placeholders + " ON CONFLICT"
        " (appointment_id, purpose) WHERE appointment_id IS NOT NULL DO NOTHING"
        " RETURNING id, member_id",
        [value for row in rows for value in row],
    )
    return [(uuid.UUID(str(row[0])), uuid.UUID(str(row[1]))) for row in await cur.fetchall()]


async def claim(cur: Cursor, message_id: uuid.UUID) -> Claimed | None:
    """Move a `requested` message to `sending`; None when it is not `requested` (or missing).

    Run in its own committed transaction before calling the provider: a
    redelivered request then finds the row past `requested` and sends nothing.
    """
    await cur.execute(
        "UPDATE sms_messages m SET status = 'sending', updated_at = now() FROM members p"
        " WHERE m.id = %s AND m.status = 'requested' AND p.id = m.member_id"
        " RETURNING m.body, p.phone_e164, p.sms_opt_in",
        (str(message_id),),
    )
    row = await cur.fetchone()
    return Claimed(row[0], row[1], bool(row[2])) if row is not None else None


async def status_of(cur: Cursor, message_id: uuid.UUID) -> str | None:
    """The message's status, or None when there is no such message."""
    await cur.execute("SELECT status FROM sms_messages WHERE id = %s", (str(message_id),))
    row = await cur.fetchone()
    return str(row[0]) if row is not None else None


async def release(cur: Cursor, message_id: uuid.UUID) -> None:
    """Undo a claim after a failure that proves nothing was sent, so a retry may send."""
    await cur.execute(
        "UPDATE sms_messages SET status = 'requested', error_code = NULL, updated_at = now()"
        " WHERE id = %s AND status = 'sending'",
        (str(message_id),),
    )


async def mark_outcome_unknown(cur: Cursor, message_id: uuid.UUID, error_code: str) -> None:
    """Note on a `sending` row that the provider may or may not have the message."""
    await cur.execute(
        "UPDATE sms_messages SET error_code = %s WHERE id = %s AND status = 'sending'",
        (error_code, str(message_id)),
    )


async def clear_outcome_unknown(cur: Cursor, message_id: uuid.UUID, error_code: str) -> None:
    """Forget `mark_outcome_unknown` once the provider's answer is known."""
    await cur.execute(
        "UPDATE sms_messages SET error_code = NULL WHERE id = %s AND error_code = %s",
        (str(message_id), error_code),
    )


async def fail_stuck_requested(cur: Cursor, message_ids: list[str], *, now: datetime) -> None:
    """Fail messages still `requested` whose re-requests were used up (`stuck_requested`)."""
    await cur.execute(
        "UPDATE sms_messages SET status = 'failed', error_code = 'stuck_requested',"
        " updated_at = %s WHERE id = ANY(%s::uuid[]) AND status = 'requested'",
        (now, message_ids),
    )


async def touch(cur: Cursor, message_id: uuid.UUID) -> None:
    """Move `updated_at` on, so a job that looked at the message waits before asking again."""
    await cur.execute(
        "UPDATE sms_messages SET updated_at = now() WHERE id = %s", (str(message_id),)
    )


@dataclass(frozen=True)
class Step:
    """A status a message is reported at (a provider callback), for `advance_many`."""

    message_id: uuid.UUID
    status: str
    provider_message_id: str | None = None
    error_code: str | None = None


# The forward-only rule, once for both statements: `s` is the reported step.
_ADVANCE_SET = (
    " status = CASE WHEN s.rank > (" + "{rank}" + ") THEN s.status ELSE m.status END,"
    " error_code = CASE WHEN s.rank > ({rank})"
    " THEN COALESCE(s.error_code, m.error_code) ELSE m.error_code END,"
    " provider_message_id = COALESCE(m.provider_message_id, s.provider_id),"
    " updated_at = now()"
)


async def advance(
    cur: Cursor,
    message_id: uuid.UUID,
    status: str,
    *,
    provider_message_id: str | None = None,
    error_code: str | None = None,
) -> bool:
    """Move the message to `status` unless it is further already; True if it is now there.

    The provider's message id is recorded whenever it is first known, even when
    the status itself does not move (a `delivered` callback overtook the send).
    """
    if status not in RANK:
        raise ValueError(f"unknown SMS status {status!r}")
    await cur.execute(
        "UPDATE sms_messages AS m SET"
        + _ADVANCE_SET.format(rank=_rank("m.status"))
        + " FROM (SELECT %(rank)s AS rank, %(status)s AS status,"
        " %(error_code)s::text AS error_code, %(provider_id)s::text AS provider_id) AS s"
        " WHERE m.id = %(id)s RETURNING m.status",
        {
            "rank": RANK[status],
            "status": status,
            "error_code": error_code,
            "provider_id": provider_message_id,
            "id": str(message_id),
        },
    )
    row = await cur.fetchone()
    return row is not None and row[0] == status


async def advance_many(cur: Cursor, steps: list[Step]) -> None:
    """`advance` for many steps, one UPDATE per round; steps of one message apply in order.

    One UPDATE ... FROM can move a row once only, so the n-th step of each message
    goes in the n-th round: with one step per message (the usual batch) that is
    a single statement.
    """
    for step in steps:
        if step.status not in RANK:
            raise ValueError(f"unknown SMS status {step.status!r}")
    rounds: list[list[Step]] = []
    seen: dict[uuid.UUID, int] = {}
    for step in steps:
        index = seen.get(step.message_id, 0)
        seen[step.message_id] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(step)
    for round_ in rounds:
        await cur.execute(
            "UPDATE sms_messages AS m SET"
            + _ADVANCE_SET.format(rank=_rank("m.status"))
            + " FROM unnest(%s::uuid[], %s::int[], %s::text[], %s::text[], %s::text[])"
            " AS s(id, rank, status, error_code, provider_id) WHERE m.id = s.id",
            (
                [str(step.message_id) for step in round_],
                [RANK[step.status] for step in round_],
                [step.status for step in round_],
                [step.error_code for step in round_],
                [step.provider_message_id for step in round_],
            ),
        )


def _rank(column: str) -> str:
    return (
        f"CASE {column} WHEN 'requested' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END"
    )
