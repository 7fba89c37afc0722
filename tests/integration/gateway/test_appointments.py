"""Booking webhooks from the scheduling simulator become appointments."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from connectors.simulator.signing import calendly_signature
from tests.integration.gateway import builders
from tests.support.polling import eventually

CALENDLY_KEY = "simulator-calendly-signing-key"


async def subscribe(gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.simulator.url) as client:
        response = await client.post(
            "/webhook_subscriptions",
            headers={"Authorization": "Bearer simulator-calendly-token"},
            json={
                "url": f"{gateway.web_url}/webhooks/calendly",
                "events": ["invitee.created", "invitee.canceled"],
                "organization": "https://api.calendly.com/organizations/SIMORG0000000001",
                "scope": "organization",
            },
        )
    assert response.status_code in (201, 409)


async def appointment(pool, member_id) -> list[tuple]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT advisor_id, status, source, starts_at, provider_event_id FROM appointments"
            " WHERE member_id = %s",
            (str(member_id),),
        )
        return await cur.fetchall()


async def test_a_calendly_booking_creates_the_appointment_with_the_members_advisor(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    advisor_id, _ = await builders.advisor(pool)
    member_id, email = await builders.member(pool, advisor_id=advisor_id)
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await subscribe(gateway)

    sent = await gateway.simulator.admin.trigger_invitee(
        "invitee.created", email=email, start_time=starts.isoformat(), duration_minutes=45
    )

    assert [d["status"] for d in sent["deliveries"]] == [200]

    async def booked():
        rows = await appointment(pool, member_id)
        assert len(rows) == 1
        assert (str(rows[0][0]), *rows[0][1:3]) == (str(advisor_id), "booked", "calendly")
        assert rows[0][3] == starts

    await eventually(booked)


async def test_the_host_email_picks_the_advisor_and_a_cancellation_cancels_it(
    gateway_with_worker, pool
):
    gateway = gateway_with_worker
    host_id, host_email = await builders.advisor(pool)
    member_id, email = await builders.member(pool)
    event_uri = f"https://api.calendly.com/scheduled_events/{uuid.uuid4().hex}"

    def hook(event: str) -> bytes:
        now = datetime.now(UTC)
        return json.dumps(
            {
                "event": event,
                "created_at": now.isoformat(),
                "payload": {
                    "uri": f"{event_uri}/invitees/{event}",
                    "status": "active" if event == "invitee.created" else "canceled",
                    "email": email,
                    "created_at": now.isoformat(),
                    "scheduled_event": {
                        "uri": event_uri,
                        "start_time": (now + timedelta(days=1)).isoformat(),
                        "end_time": (now + timedelta(days=1, hours=1)).isoformat(),
                        "event_memberships": [
                            {"user": "https://api.calendly.com/users/X", "user_email": host_email}
                        ],
                    },
                },
            }
        ).encode()

    async with httpx.AsyncClient() as client:
        for event in ("invitee.created", "invitee.canceled", "invitee.canceled"):
            body = hook(event)
            response = await client.post(
                f"{gateway.web_url}/webhooks/calendly",
                content=body,
                headers={"Calendly-Webhook-Signature": calendly_signature(CALENDLY_KEY, body)},
            )
            assert response.status_code == 200

    async def cancelled():
        rows = await appointment(pool, member_id)
        assert len(rows) == 1
        assert str(rows[0][0]) == str(host_id)
        assert rows[0][1] == "cancelled"
        assert rows[0][4] == event_uri

    await eventually(cancelled)
