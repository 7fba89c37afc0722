"""SMS requests (opt-in, phone, outbox, limits) and appointments (book, list, cancel)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from aiohttp import DummyCookieJar

from bff.app import create_app
from bff.web.limits import Limits, WindowLimit
from shared.database import transaction
from tests.integration.bff.builders import make_member, make_user, sign_in


async def _outbox(pool, event_type: str, key: str, value: str) -> list[dict]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT body FROM outbox WHERE event_type = %s AND body::jsonb -> 'data' ->> %s = %s",
            (event_type, key, value),
        )
        return [
            json.loads(row[0]) if isinstance(row[0], str) else row[0]
            for row in await cur.fetchall()
        ]


async def test_a_message_is_stored_and_requested_in_one_transaction(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/messages", json={"body": "Hi! Your plan is ready."}
    )

    body = await response.json()
    assert response.status == 202, body
    assert body["status"] == "requested" and body["body"] == "Hi! Your plan is ready."
    events = await _outbox(pool, "sms.requested", "message_id", body["id"])
    assert [event["data"] for event in events] == [
        {"message_id": body["id"], "member_id": member_id}
    ]
    assert events[0]["correlation_id"] == response.headers["X-Correlation-ID"]
    screen = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()
    assert [m["id"] for m in screen["messages"]] == [body["id"]]


async def test_a_template_message_is_rendered_with_the_members_first_name(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"], full_name="Bea Lima")

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/messages",
        json={"template": "link_accounts_reminder", "params": {"link_url": "https://o.example/l"}},
    )
    unknown = await team.advisor.post(
        f"/api/v1/members/{member_id}/messages", json={"template": "nope", "params": {}}
    )

    assert response.status == 202
    assert (await response.json())["body"].startswith("Hi Bea,")
    assert unknown.status == 422


async def test_a_member_who_has_not_opted_in_cannot_be_messaged(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"], sms_opt_in=False)

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/messages", json={"body": "Hello"}
    )

    body = await response.json()
    assert response.status == 422
    assert body["reason"] == "not_opted_in"
    assert await _outbox(pool, "sms.requested", "member_id", member_id) == []


async def test_a_member_without_a_phone_cannot_be_messaged(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"], phone=None)

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/messages", json={"body": "Hello"}
    )

    assert response.status == 422
    assert (await response.json())["reason"] == "no_valid_phone"


async def test_the_member_limit_holds_under_concurrent_requests_across_app_instances(
    aiohttp_client, settings, pool
):
    limits = Limits(sms_per_member=WindowLimit(3, timedelta(hours=1)))
    replicas = [
        await aiohttp_client(create_app(settings, limits=limits), cookie_jar=DummyCookieJar())
        for _ in range(2)
    ]
    advisor = await make_user(pool)
    sessions = [await sign_in(replica, advisor.email) for replica in replicas]
    member_id = await make_member(pool, advisor_id=advisor.id)

    responses = await asyncio.gather(
        *(
            sessions[i % 2].post(f"/api/v1/members/{member_id}/messages", json={"body": f"n{i}"})
            for i in range(8)
        )
    )

    statuses = sorted(r.status for r in responses)
    assert statuses == [202] * 3 + [429] * 5
    limited = next(r for r in responses if r.status == 429)
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert len(await _outbox(pool, "sms.requested", "member_id", member_id)) == 3


async def test_the_advisor_limit_counts_messages_to_all_their_members(
    aiohttp_client, settings, pool
):
    limits = Limits(sms_per_advisor=WindowLimit(2, timedelta(hours=1)))
    client = await aiohttp_client(create_app(settings, limits=limits), cookie_jar=DummyCookieJar())
    advisor = await make_user(pool)
    session = await sign_in(client, advisor.email)
    members = [await make_member(pool, advisor_id=advisor.id) for _ in range(3)]

    statuses = [
        (await session.post(f"/api/v1/members/{m}/messages", json={"body": "Hi"})).status
        for m in members
    ]

    assert statuses == [202, 202, 429]


async def test_booking_an_appointment_writes_the_booked_event(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/appointments",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(minutes=45)).isoformat(),
        },
    )
    listed = await (await team.advisor.get(f"/api/v1/members/{member_id}/appointments")).json()

    body = await response.json()
    assert response.status == 201, body
    assert body["status"] == "booked" and body["source"] == "console"
    assert [a["id"] for a in listed["items"]] == [body["id"]]
    events = await _outbox(pool, "appointment.booked", "appointment_id", body["id"])
    assert events[0]["data"]["advisor_id"] == team.advisor.user["id"]
    screen = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()
    assert [a["id"] for a in screen["appointments"]] == [body["id"]]


async def test_an_appointment_in_the_past_or_backwards_is_refused(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    past = datetime.now(UTC) - timedelta(days=1)

    in_past = await team.advisor.post(
        f"/api/v1/members/{member_id}/appointments",
        json={"starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=1)).isoformat()},
    )
    backwards = await team.advisor.post(
        f"/api/v1/members/{member_id}/appointments",
        json={"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z"},
    )
    naive = await team.advisor.post(
        f"/api/v1/members/{member_id}/appointments",
        json={"starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T11:00:00"},
    )

    assert in_past.status == backwards.status == naive.status == 422


async def test_cancelling_writes_the_cancelled_event_once(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    booked = await (
        await team.advisor.post(
            f"/api/v1/members/{member_id}/appointments",
            json={"starts_at": "2031-03-01T10:00:00Z", "ends_at": "2031-03-01T11:00:00Z"},
        )
    ).json()
    url = f"/api/v1/members/{member_id}/appointments/{booked['id']}/cancel"

    first = await team.advisor.post(url)
    second = await team.advisor.post(url)

    assert first.status == second.status == 200
    assert (await second.json())["status"] == "cancelled"
    assert len(await _outbox(pool, "appointment.cancelled", "appointment_id", booked["id"])) == 1


async def test_retry_after_never_exceeds_the_window_when_a_sender_waited_for_the_lock(
    aiohttp_client, settings, pool
):
    limits = Limits(sms_per_member=WindowLimit(3, timedelta(hours=1)))
    replica = await aiohttp_client(create_app(settings, limits=limits), cookie_jar=DummyCookieJar())
    advisor = await make_user(pool)
    session = await sign_in(replica, advisor.email)
    member_id = await make_member(pool, advisor_id=advisor.id)

    async with transaction(pool) as holder:
        # Another sender holds the member's lock while our request's transaction begins ...
        await holder.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('sms-member:' || %s, 0))",
            (member_id,),
        )
        request = asyncio.ensure_future(
            session.post(f"/api/v1/members/{member_id}/messages", json={"body": "late"})
        )
        await asyncio.sleep(1.2)
        # ... and fills the window with rows stamped later than our transaction's start.
        for _ in range(3):
            await holder.execute(
                "INSERT INTO sms_messages"
                " (id, member_id, sent_by, purpose, template, body, created_at)"
                " VALUES (gen_random_uuid(), %s, %s, 'advisor', 'custom', 'x', clock_timestamp())",
                (member_id, str(advisor.id)),
            )
    response = await request

    assert response.status == 429
    assert 3590 <= int(response.headers["Retry-After"]) <= 3600
