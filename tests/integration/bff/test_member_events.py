"""The live member page: server-sent events fed by the database's commits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiopg
import pytest
from pydantic import TypeAdapter

from bff.members.change_feed import FEED
from bff.members.event_models import MemberChange
from bff.members.models import MemberScreen
from shared.database import transaction
from tests.integration.bff.builders import (
    FULL_PROFILE,
    Session,
    make_member,
    make_user,
    sign_in,
)
from tests.support.sse import Event, EventStream

CHANGE = TypeAdapter(MemberChange)


class MemberStream(EventStream):
    """A member page's stream."""

    async def next_change(self, timeout: float = 5.0) -> Event:
        event = await self.next(timeout)
        assert event.event == "change", event
        CHANGE.validate_python(event.data)  # every change keeps the documented shape
        return event

    async def change_where(self, kind: str, **fields: Any) -> Event:
        """The next change of `kind` whose item has these fields (a stream may repeat what
        its screen already showed: changes that committed just before it opened)."""
        while True:
            event = await self.next_change()
            item = event.data[kind] if event.data["kind"] == kind else None
            if item is not None and all(item.get(k) == v for k, v in fields.items()):
                return event


@asynccontextmanager
async def stream(
    session: Session, member_id: str, *, last_event_id: int | None = None
) -> AsyncIterator[MemberStream]:
    headers = session.headers(csrf=False)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    response = await session.client.get(f"/api/v1/members/{member_id}/events", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/event-stream"
    try:
        yield MemberStream(response)
    finally:
        response.close()


async def _message(pool, member_id: str, sender_id: str) -> str:
    message_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO sms_messages (id, member_id, sent_by, body) VALUES (%s, %s, %s, 'Hi')",
            (message_id, member_id, sender_id),
        )
    return message_id


async def _set_status(pool, message_id: str, status: str) -> None:
    """What the gateway worker does when a Twilio status callback arrives."""
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE sms_messages SET status = %s, updated_at = now() WHERE id = %s",
            (status, message_id),
        )


async def _views(pool, member_id: str) -> list[str]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT resource FROM audit_log WHERE member_id = %s AND action = 'view' ORDER BY id",
            (member_id,),
        )
        return [row[0] for row in await cur.fetchall()]


async def _book_and_link(pool, member_id: str, advisor_id: str) -> None:
    """A provider booking, then a linked login with one account, then its first sync."""
    item_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, source)"
            " VALUES (%s, %s, %s, now() + interval '1 day', now() + interval '25 hours',"
            " 'calendly')",
            (str(uuid.uuid4()), member_id, advisor_id),
        )
        await cur.execute(
            "INSERT INTO linked_items (id, member_id, provider_item_id,"
            " access_token_encrypted, institution_name) VALUES (%s, %s, %s, 'x', 'Bank')",
            (item_id, member_id, f"item-{item_id}"),
        )
        await cur.execute(
            "INSERT INTO accounts (id, linked_item_id, provider_account_id, name,"
            " current_balance) VALUES (%s, %s, %s, 'Checking', 1234.50)",
            (str(uuid.uuid4()), item_id, f"acc-{item_id}"),
        )
        await cur.execute(
            "UPDATE linked_items SET last_synced_at = now() WHERE id = %s", (item_id,)
        )


async def test_a_stream_starts_with_the_screen_and_two_open_pages_see_an_sms_status_change(
    client, pool, team
):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    message_id = await _message(pool, member_id, team.advisor.user["id"])

    async with stream(team.advisor, member_id) as first, stream(team.admin, member_id) as second:
        screens = [await first.next(), await second.next()]
        await _set_status(pool, message_id, "delivered")
        changes = [
            await first.change_where("message", status="delivered"),
            await second.change_where("message", status="delivered"),
        ]

    for screen in screens:
        assert screen.event == "screen"
        MemberScreen.model_validate(screen.data)
        assert [m["status"] for m in screen.data["messages"]] == ["requested"]
    for change in changes:
        assert change.data["kind"] == "message"
        assert change.data["message"]["id"] == message_id
        assert change.data["message"]["status"] == "delivered"
        assert change.id > screens[0].id


async def test_last_event_id_replays_the_changes_missed_while_disconnected(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    message_id = await _message(pool, member_id, team.advisor.user["id"])
    async with stream(team.advisor, member_id) as page:
        await page.next()
        await _set_status(pool, message_id, "sent")
        seen = await page.change_where("message", status="sent")

    await _set_status(pool, message_id, "delivered")  # while the page is disconnected
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO member_notes (id, member_id, author_id, body) VALUES (%s, %s, %s, 'x')",
            (str(uuid.uuid4()), member_id, team.advisor.user["id"]),
        )

    async with stream(team.advisor, member_id, last_event_id=seen.id) as page:
        replayed = [await page.next_change(), await page.next_change()]
        await page.nothing_within(0.3)  # no screen, no repeat of what the page had

    assert [e.data["kind"] for e in replayed] == ["message", "note"]
    assert replayed[0].data["message"]["status"] == "delivered"
    assert seen.id < replayed[0].id < replayed[1].id


async def test_a_position_older_than_the_retained_changes_gets_a_fresh_screen(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    message_id = await _message(pool, member_id, team.advisor.user["id"])
    async with transaction(pool) as cur:
        await cur.execute("SELECT max(id) FROM member_changes WHERE member_id = %s", (member_id,))
        (change_id,) = await cur.fetchone()
        await cur.execute("DELETE FROM member_changes WHERE id < %s", (change_id,))  # retention

    async with stream(team.advisor, member_id, last_event_id=change_id - 1) as page:
        resumed = await page.next()
    async with stream(team.advisor, member_id, last_event_id=change_id - 2) as page:
        too_old = await page.next()

    assert resumed.event == "change" and resumed.data["message"]["id"] == message_id
    assert too_old.event == "screen" and too_old.data["messages"][0]["id"] == message_id


async def test_viewing_writes_one_audit_row_per_open_and_per_reconnect_never_per_update(
    client, pool, team
):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    message_id = await _message(pool, member_id, team.advisor.user["id"])

    async with stream(team.advisor, member_id) as page:
        await page.next()
        for status in ("sending", "sent", "delivered"):
            await _set_status(pool, message_id, status)
            last = await page.change_where("message", status=status)
    async with stream(team.advisor, member_id, last_event_id=last.id) as page:
        await page.nothing_within(0.2)

    assert await _views(pool, member_id) == ["member_screen", "member_changes"]


async def test_a_stranger_gets_401_and_another_advisors_member_404(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    anonymous = await client.get(f"/api/v1/members/{member_id}/events")
    other = await team.other_advisor.get(f"/api/v1/members/{member_id}/events")
    resumed = await team.other_advisor.client.get(
        f"/api/v1/members/{member_id}/events",
        headers={**team.other_advisor.headers(csrf=False), "Last-Event-ID": "1"},
    )
    missing = await team.advisor.get(f"/api/v1/members/{uuid.uuid4()}/events")

    assert anonymous.status == 401
    assert other.status == 404 and resumed.status == 404 and missing.status == 404
    assert other.content_type == "application/problem+json"
    assert await _views(pool, member_id) == []


async def test_a_profile_edit_arrives_with_its_wellness_score(client, pool, team):
    member_id = await make_member(
        pool, advisor_id=team.advisor.user["id"], profile=dict(FULL_PROFILE)
    )
    async with stream(team.advisor, member_id) as page:
        await page.next()
        response = await team.advisor.patch(
            f"/api/v1/members/{member_id}", json={"monthly_costs": "9000.00"}
        )
        assert response.status == 200
        change = await page.change_where("profile", monthly_costs="9000.00")

    assert change.data["kind"] == "profile"
    assert change.data["wellness"] == (await response.json())["wellness"]


async def test_a_change_committed_after_a_higher_id_is_delivered_first_and_never_skipped(
    client, pool, team, settings
):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    early, late = str(uuid.uuid4()), str(uuid.uuid4())
    async with stream(team.advisor, member_id) as page:
        await page.next()
        async with aiopg.connect(settings.database_url.get_secret_value()) as conn:
            async with conn.cursor() as slow:
                await slow.execute("BEGIN")
                await slow.execute(  # takes the lower id, commits last
                    "INSERT INTO sms_messages (id, member_id, body) VALUES (%s, %s, 'early')",
                    (early, member_id),
                )
                async with transaction(pool) as cur:
                    await cur.execute(
                        "INSERT INTO sms_messages (id, member_id, body) VALUES (%s, %s, 'late')",
                        (late, member_id),
                    )
                await page.nothing_within(0.5)  # the higher id waits for the lower one
                await slow.execute("COMMIT")
        received = [await page.next_change(), await page.next_change()]

    assert [e.data["message"]["id"] for e in received] == [early, late]
    assert received[1].id == received[0].id + 1


async def test_a_rolled_back_change_holds_later_ones_only_until_it_ends(
    client, pool, team, settings
):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    kept = str(uuid.uuid4())
    async with stream(team.advisor, member_id) as page:
        await page.next()
        async with aiopg.connect(settings.database_url.get_secret_value()) as conn:
            async with conn.cursor() as doomed:
                await doomed.execute("BEGIN")
                await doomed.execute(
                    "INSERT INTO sms_messages (id, member_id, body) VALUES (%s, %s, 'no')",
                    (str(uuid.uuid4()), member_id),
                )
                async with transaction(pool) as cur:
                    await cur.execute(
                        "INSERT INTO sms_messages (id, member_id, body) VALUES (%s, %s, 'yes')",
                        (kept, member_id),
                    )
                await page.nothing_within(0.3)
                await doomed.execute("ROLLBACK")
        change = await page.next_change(timeout=2.0)

    assert change.data["message"]["id"] == kept


async def test_a_note_an_appointment_and_a_linked_item_sync_reach_the_page(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    async with stream(team.advisor, member_id) as page:
        await page.next()
        note = await team.advisor.post(f"/api/v1/members/{member_id}/notes", json={"body": "n"})
        assert note.status == 201
        await _book_and_link(pool, member_id, team.advisor.user["id"])
        kinds = [(await page.next_change()).data for _ in range(4)]

    assert [k["kind"] for k in kinds] == ["note", "appointment", "linked_item", "linked_item"]
    assert kinds[0]["note"]["author"]["full_name"] == team.advisor.user["full_name"]
    assert kinds[3]["linked_item"]["accounts"][0]["current_balance"] == "1234.50"
    history = kinds[3]["linked_item"]["accounts"][0]["history"]
    assert [point["current_balance"] for point in history] == ["1234.50"]
    screen = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()
    assert screen["linked_items"][0]["accounts"][0]["history"] == history


async def test_a_reassigned_member_ends_the_former_advisors_stream(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    async with stream(team.advisor, member_id) as page:
        await page.next()
        response = await team.admin.put(
            f"/api/v1/admin/members/{member_id}/advisor",
            json={"advisor_id": team.other_advisor.user["id"]},
        )
        assert response.status == 200
        end = await page.next()
        with pytest.raises(EOFError):
            await page.next()

    assert end.event == "end" and end.data == {"reason": "access"}


async def test_the_sweep_ends_streams_whose_session_ended(client, pool, team):
    advisor = await make_user(pool, "advisor")
    session = await sign_in(client, advisor.email)
    member_id = await make_member(pool, advisor_id=advisor.id)
    async with stream(session, member_id) as page, stream(team.admin, member_id) as admin:
        await page.next()
        await admin.next()
        assert (await session.post("/api/v1/auth/logout")).status in (200, 204)
        ended = await client.app[FEED].sweep()
        end = await page.next()
        await admin.nothing_within(0.2)

    assert ended == 1
    assert end.event == "end" and end.data == {"reason": "session"}


async def test_shutdown_ends_every_stream_so_browsers_reconnect(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    async with stream(team.advisor, member_id) as page:
        await page.next()
        client.app[FEED].end_all("shutdown")
        end = await page.next()

    assert end.data == {"reason": "shutdown"}


async def test_every_change_carries_its_item_exactly_as_the_screen_shows_it(client, pool, team):
    """The screen's SQL (`bff.members.screen`) and the trigger's payload (migration 0015)
    build the same items in two places; an open page patches itself with the payload, so
    the two must agree key for key and value for value, for every kind."""
    advisor = team.advisor.user["id"]
    member_id = await make_member(pool, advisor_id=advisor, profile=dict(FULL_PROFILE))
    latest: dict[str, Any] = {}
    async with stream(team.advisor, member_id) as page:
        await page.next()
        patch = {"phone_e164": "+14155550199", "monthly_costs": "9000.00"}
        assert (await team.advisor.patch(f"/api/v1/members/{member_id}", json=patch)).ok
        note = await team.advisor.post(f"/api/v1/members/{member_id}/notes", json={"body": "n"})
        assert note.status == 201
        risk = await team.advisor.post(f"/api/v1/members/{member_id}/risk-profile")
        assert risk.status == 201
        await _message(pool, member_id, advisor)
        await _book_and_link(pool, member_id, advisor)
        kinds = {"member", "profile", "note", "risk_profile", "message", "appointment"}
        while not (kinds <= set(latest) and latest.get("linked_item", {}).get("accounts")):
            change = (await page.next_change()).data
            latest[change["kind"]] = change[change["kind"]]
    screen = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()

    assert latest == {
        "member": screen["member"],
        "profile": screen["profile"],
        "note": screen["notes"][0],
        "risk_profile": screen["risk_profile"],
        "message": screen["messages"][0],
        "appointment": screen["appointments"][0],
        "linked_item": screen["linked_items"][0],
    }
