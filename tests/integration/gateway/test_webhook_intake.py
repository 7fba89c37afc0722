"""Group-committed webhook intake: one batch stores each event once, with one outbox event each."""

from __future__ import annotations

import uuid

from gateway.webhooks.events import IncomingEvent, store_events
from shared.database import transaction
from shared.events import REGISTRY, SmsStatusChanged


def incoming(key: str, message_id: uuid.UUID) -> IncomingEvent:
    envelope = REGISTRY.build(
        SmsStatusChanged(message_id=message_id, status="delivered", provider_message_id=key),
        name="sms.status_changed",
        producer="test",
        correlation_id=f"corr-{key}",
    )
    return IncomingEvent("twilio", key, "sms.delivered", f"MessageSid={key}".encode(), envelope)


async def _outbox_count(pool, correlation_ids: list[str]) -> int:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT count(*) FROM outbox WHERE correlation_id = ANY(%s)", (correlation_ids,)
        )
        return int((await cur.fetchone())[0])


async def test_a_batch_stores_new_events_once_and_reports_duplicates(pool):
    keys = [f"SM{uuid.uuid4().hex}:delivered" for _ in range(4)]
    async with transaction(pool) as cur:
        assert await store_events(cur, [incoming(keys[0], uuid.uuid4())]) == [True]

    batch = [
        incoming(keys[1], uuid.uuid4()),
        incoming(keys[0], uuid.uuid4()),  # stored by an earlier batch
        incoming(keys[2], uuid.uuid4()),
        incoming(keys[1], uuid.uuid4()),  # the same event twice in this batch
        incoming(keys[3], uuid.uuid4()),
    ]
    async with transaction(pool) as cur:
        results = await store_events(cur, batch)

    assert results == [True, False, True, False, True]
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT event_key, count(*) FROM webhook_events WHERE event_key = ANY(%s)"
            " GROUP BY event_key",
            (keys,),
        )
        assert sorted(await cur.fetchall()) == sorted((key, 1) for key in keys)
    assert await _outbox_count(pool, [f"corr-{key}" for key in keys]) == 4


async def test_payloads_keys_and_envelopes_are_stored_as_sent(pool):
    """The batch travels as array literals: quotes, backslashes, braces and commas survive."""
    awkward = 'Body={"a": "b\\\\c"},NULL, x\'y é 🙂'
    key = f'SM{uuid.uuid4().hex}:"deliv,ered"\\'
    event = incoming(key, uuid.uuid4())
    event = IncomingEvent(
        event.provider, event.key, event.event_type, awkward.encode(), event.envelope
    )
    async with transaction(pool) as cur:
        assert await store_events(cur, [event]) == [True]
        await cur.execute(
            "SELECT w.payload, o.body, o.message_id FROM webhook_events w, outbox o"
            " WHERE w.event_key = %s AND o.correlation_id = %s",
            (key, f"corr-{key}"),
        )
        payload, body, message_id = await cur.fetchone()
    assert payload == awkward
    assert body == event.envelope.to_json()
    assert message_id == event.envelope.id
