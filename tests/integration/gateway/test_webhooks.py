"""Provider webhooks on gateway web: verified first, stored once, turned into events."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from connectors.simulator.plaid import PLAID
from connectors.simulator.signing import calendly_signature, twilio_signature
from gateway.webhooks.intake import WEBHOOK_STATS
from shared.web.keys import RELAY
from tests.integration.gateway import builders
from tests.support.polling import eventually

AUTH_TOKEN = "simulator-twilio-auth-token"
CALENDLY_KEY = "simulator-calendly-signing-key"


def callback(
    gateway, message_id, sid, status, *, signed=True, tamper=False
) -> tuple[str, bytes, dict[str, str]]:
    """A status callback as the provider posts it: URL with our message id, signed form."""
    url = f"{gateway.web_url}/webhooks/twilio?message_id={message_id}"
    params = {
        "AccountSid": "AC" + "0" * 31 + "1",
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": "+15550001111",
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["X-Twilio-Signature"] = twilio_signature(AUTH_TOKEN, url, params)
    if tamper:
        params["MessageStatus"] = "undelivered"
    return url, urlencode(params).encode(), headers


async def deliver_a_status_callback(gateway, pool) -> httpx.Response:
    """Post a signed `delivered` callback for a sent message; its answer, once the row says so."""
    member_id, _ = await builders.member(pool, phone=builders.unique_phone())
    sid = "SM" + uuid.uuid4().hex
    message_id = await builders.sms_message(pool, member_id, status="sent", provider_message_id=sid)
    url, body, headers = callback(gateway, message_id, sid, "delivered")

    async with httpx.AsyncClient() as client:
        response = await client.post(url, content=body, headers=headers)

    async def delivered():
        assert (await builders.message_row(pool, message_id))[0] == "delivered"

    if response.status_code == 200:
        await eventually(delivered)
    return response


async def test_a_signed_status_callback_updates_the_message(gateway_with_worker, pool):
    response = await deliver_a_status_callback(gateway_with_worker, pool)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}


async def test_with_the_relay_off_on_web_its_callbacks_are_published_by_the_worker(
    non_relaying_gateway_with_worker, pool
):
    gateway = non_relaying_gateway_with_worker
    assert RELAY not in gateway.web.app

    response = await deliver_a_status_callback(gateway, pool)

    assert response.status_code == 200
    assert gateway.worker is not None
    assert gateway.worker.app[RELAY].published_total >= 1


async def test_unsigned_or_tampered_callbacks_get_401_and_change_nothing(gateway, pool, caplog):
    member_id, _ = await builders.member(pool)
    sid = "SM" + uuid.uuid4().hex
    message_id = await builders.sms_message(pool, member_id, status="sent", provider_message_id=sid)
    unsigned = callback(gateway, message_id, sid, "delivered", signed=False)
    tampered = callback(gateway, message_id, sid, "delivered", tamper=True)
    async with httpx.AsyncClient() as client:
        responses = [
            await client.post(url, content=body, headers=headers)
            for url, body, headers in (unsigned, tampered)
        ]

    assert [r.status_code for r in responses] == [401, 401]
    assert responses[0].headers["Content-Type"].startswith("application/problem+json")
    assert gateway.web.app[WEBHOOK_STATS].rejected["twilio"] == 2
    stored = await builders.scalar(
        pool, "SELECT count(*) FROM webhook_events WHERE event_key LIKE %s", f"{sid}%"
    )
    assert stored == 0
    assert await builders.message_row(pool, message_id) == ("sent", sid, None)
    assert await builders.outbox_events(pool, "sms.status_changed", str(message_id)) == []
    warnings = [r for r in caplog.records if r.getMessage() == "webhook rejected"]
    assert len(warnings) == 2
    assert all(sid not in str(r.__dict__) for r in warnings), "the body is never logged"


async def test_the_same_callback_delivered_five_times_at_once_has_one_effect(gateway, pool):
    member_id, _ = await builders.member(pool)
    sid = "SM" + uuid.uuid4().hex
    message_id = await builders.sms_message(pool, member_id, status="sent", provider_message_id=sid)
    url, body, headers = callback(gateway, message_id, sid, "delivered")

    async with httpx.AsyncClient() as client:
        responses = await asyncio.gather(
            *(client.post(url, content=body, headers=headers) for _ in range(5))
        )

    assert [r.status_code for r in responses] == [200] * 5
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True, True, True, True]
    stored = await builders.scalar(
        pool,
        "SELECT count(*) FROM webhook_events WHERE provider = 'twilio' AND event_key = %s",
        f"{sid}:delivered",
    )
    assert stored == 1
    assert len(await builders.outbox_events(pool, "sms.status_changed", str(message_id))) == 1


async def test_a_replayed_callback_with_a_fresh_idempotency_header_is_still_a_duplicate(
    gateway, pool
):
    member_id, _ = await builders.member(pool)
    sid = "SM" + uuid.uuid4().hex
    message_id = await builders.sms_message(pool, member_id, status="sent", provider_message_id=sid)
    url, body, headers = callback(gateway, message_id, sid, "delivered")

    async with httpx.AsyncClient() as client:
        responses = [
            await client.post(
                url,
                content=body,
                # The header is not signed: a replay can carry any value.
                headers={**headers, "I-Twilio-Idempotency-Token": f"idem-{uuid.uuid4().hex}"},
            )
            for _ in range(2)
        ]

    assert [r.status_code for r in responses] == [200, 200]
    assert [r.json()["duplicate"] for r in responses] == [False, True]
    keys = await builders.scalar(
        pool, "SELECT array_agg(event_key) FROM webhook_events WHERE payload LIKE %s", f"%{sid}%"
    )
    assert keys == [f"{sid}:delivered"]
    assert len(await builders.outbox_events(pool, "sms.status_changed", str(message_id))) == 1


async def test_a_signed_plaid_body_nested_too_deeply_answers_400_not_500(gateway):
    body = b"[" * 100_000
    keys = gateway.simulator.app[PLAID].keys

    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{gateway.web_url}/webhooks/plaid",
            content=body,
            headers={"Plaid-Verification": keys.sign(body), "Content-Type": "application/json"},
        )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_body_over_the_limit_is_refused_with_413(gateway):
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{gateway.web_url}/webhooks/calendly", content=b"x" * (200 * 1024)
        )
    assert response.status_code == 413


async def test_a_signed_plaid_item_error_flags_the_login_for_relink(gateway_with_worker, pool):
    gateway = gateway_with_worker
    member_id, _ = await builders.member(pool)
    item_id, provider_item_id = uuid.uuid4(), f"item-{uuid.uuid4().hex}"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO linked_items (id, member_id, provider_item_id, access_token_encrypted)"
            " VALUES (%s, %s, %s, 'x')",
            (str(item_id), str(member_id), provider_item_id),
        )
    body = json.dumps(
        {
            "webhook_type": "ITEM",
            "webhook_code": "ERROR",
            "item_id": provider_item_id,
            "error": {"error_code": "ITEM_LOGIN_REQUIRED", "error_type": "ITEM_ERROR"},
            "environment": "sandbox",
        }
    ).encode()
    keys = gateway.simulator.app[PLAID].keys

    async with httpx.AsyncClient() as client:
        forged = await client.post(
            f"{gateway.web_url}/webhooks/plaid",
            content=body.replace(b"ERROR", b"PENDING_DISCONNECT", 1),
            headers={"Plaid-Verification": keys.sign(body)},
        )
        genuine = await client.post(
            f"{gateway.web_url}/webhooks/plaid",
            content=body,
            headers={"Plaid-Verification": keys.sign(body), "Content-Type": "application/json"},
        )

    assert forged.status_code == 401
    assert genuine.status_code == 200

    async def flagged():
        status = await builders.scalar(
            pool, "SELECT status FROM linked_items WHERE id = %s", str(item_id)
        )
        assert status == "needs_relink"
        relink = await builders.outbox_events(pool, "accounts.relink_required", str(item_id))
        assert len(relink) == 1
        assert json.loads(relink[0])["data"]["reason"] == "ITEM_LOGIN_REQUIRED"

    await eventually(flagged)


async def test_a_calendly_webhook_with_a_bad_signature_is_refused(gateway, pool):
    body = json.dumps({"event": "invitee.created"}).encode()
    stale = calendly_signature(
        CALENDLY_KEY, body, timestamp=int(datetime.now(UTC).timestamp()) - 3600
    )
    async with httpx.AsyncClient() as client:
        responses = [
            await client.post(f"{gateway.web_url}/webhooks/calendly", content=body, headers=h)
            for h in ({}, {"Calendly-Webhook-Signature": stale})
        ]
    assert [r.status_code for r in responses] == [401, 401]


async def test_signed_webhooks_with_a_nul_in_a_text_field_answer_400_not_500(gateway, pool):
    """Postgres text refuses U+0000: a NUL in a field we key or store on is refused at the edge."""
    sid = "SM\x00" + uuid.uuid4().hex
    twilio_url, twilio_body, twilio_headers = callback(gateway, uuid.uuid4(), sid, "delivered")
    plaid_body = json.dumps(
        {"webhook_type": "TRANSACTIONS\x00", "webhook_code": "SYNC_UPDATES_AVAILABLE"}
    ).encode()
    calendly_body = json.dumps(
        {
            "event": "invitee.created",
            "created_at": "2026-01-01T00:00:00Z",
            "payload": {
                "uri": "https://api.calendly.com/invitees/\x00",
                "status": "active",
                "created_at": "2026-01-01T00:00:00Z",
            },
        }
    ).encode()
    keys = gateway.simulator.app[PLAID].keys

    async with httpx.AsyncClient() as client:
        responses = [
            await client.post(twilio_url, content=twilio_body, headers=twilio_headers),
            await client.post(
                f"{gateway.web_url}/webhooks/plaid",
                content=plaid_body,
                headers={"Plaid-Verification": keys.sign(plaid_body)},
            ),
            await client.post(
                f"{gateway.web_url}/webhooks/calendly",
                content=calendly_body,
                headers={
                    "Calendly-Webhook-Signature": calendly_signature(CALENDLY_KEY, calendly_body)
                },
            ),
        ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in responses)
