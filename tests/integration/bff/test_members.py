"""Members: the list, the member screen, profile changes, notes, assignment and the audit."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

from bff.members.models import MemberScreen
from bff.members.routes import SCREENS_BY_SESSION
from shared.database import transaction
from tests.integration.bff.builders import (
    FULL_PROFILE,
    make_member,
    make_user,
    unique_email,
)


async def _audit_rows(pool, member_id: str) -> list[tuple]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT actor_id::text, action, resource, request_id FROM audit_log"
            " WHERE member_id = %s ORDER BY id",
            (member_id,),
        )
        return await cur.fetchall()


async def test_the_member_screen_shows_everything_in_one_call_and_is_audited(client, pool, team):
    member_id = await make_member(
        pool, advisor_id=team.advisor.user["id"], profile=dict(FULL_PROFILE)
    )
    await team.advisor.post(f"/api/v1/members/{member_id}/notes", json={"body": "First call."})

    response = await team.advisor.get(f"/api/v1/members/{member_id}")

    body = await response.json()
    assert response.status == 200
    assert response.content_type == "application/json"
    MemberScreen.model_validate(body)
    assert body["member"]["id"] == member_id
    assert body["member"]["advisor"] == {
        "id": team.advisor.user["id"],
        "full_name": team.advisor.user["full_name"],
    }
    assert body["profile"]["annual_income"] == "120000.00"
    assert body["profile"]["houses"] == [{"id": 1, "ownership_status": "mortgaged"}]
    assert body["wellness"] == {
        "score": "MEDIUM",
        "net_income": "110400.00",
        "annual_costs": "30000.00",
        "cost_ratio": "0.2717",
    }
    assert body["risk_profile"] is None
    assert body["linked_items"] == [] and body["appointments"] == [] and body["messages"] == []
    assert [note["body"] for note in body["notes"]] == ["First call."]
    request_id = response.headers["X-Request-ID"]
    assert (team.advisor.user["id"], "view", "member_screen", request_id) in await _audit_rows(
        pool, member_id
    )


async def test_a_member_without_a_profile_has_no_profile_and_no_wellness(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    body = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()

    assert body["profile"] is None and body["wellness"] is None


async def test_patching_contact_and_profile_fields_returns_the_updated_screen(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"], sms_opt_in=False)

    response = await team.advisor.patch(
        f"/api/v1/members/{member_id}",
        json={
            "phone_e164": "+5511987654321",
            "sms_opt_in": True,
            "annual_income": "80000.50",
            "monthly_costs": 3000,
            "houses": [{"id": 7, "ownership_status": "rented"}],
        },
    )

    body = await response.json()
    assert response.status == 200, body
    assert body["member"]["phone_e164"] == "+5511987654321"
    assert body["member"]["sms_opt_in"] is True
    assert body["profile"]["annual_income"] == "80000.50"
    assert body["profile"]["monthly_costs"] == "3000.00"
    assert body["profile"]["houses"] == [{"id": 7, "ownership_status": "rented"}]
    assert body["wellness"]["score"] == "MEDIUM"
    actions = [(row[1], row[2]) for row in await _audit_rows(pool, member_id)]
    assert ("update", "member") in actions


async def test_a_bad_phone_number_is_refused_naming_the_field(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    response = await team.advisor.patch(
        f"/api/v1/members/{member_id}", json={"phone_e164": "0800 123"}
    )

    body = await response.json()
    assert response.status == 422
    assert body["errors"][0]["field"] == "phone_e164"


async def test_the_list_shows_an_advisor_only_their_members_and_searches(client, pool, team):
    marker = uuid.uuid4().hex[:8]
    mine = await make_member(
        pool, advisor_id=team.advisor.user["id"], full_name=f"Zed {marker} Mine"
    )
    await make_member(pool, advisor_id=team.other_advisor.user["id"], full_name=f"Zed {marker}")

    response = await team.advisor.get(f"/api/v1/members?q={marker}")
    as_admin = await team.admin.get(f"/api/v1/members?q={marker}")

    body = await response.json()
    assert response.status == 200
    assert [item["id"] for item in body["items"]] == [mine]
    assert body["items"][0]["advisor"]["id"] == team.advisor.user["id"]
    assert len((await as_admin.json())["items"]) == 2


async def test_the_list_pages_with_a_cursor_in_the_requested_order(client, pool, team):
    advisor = await make_user(pool)
    names = [f"Page Member {letter}" for letter in "edcba"]
    for name in names:
        await make_member(pool, advisor_id=advisor.id, full_name=name)

    seen: list[str] = []
    cursor = None
    for _ in range(3):
        url = f"/api/v1/members?advisor_id={advisor.id}&limit=2&sort=-name"
        response = await team.admin.get(url + (f"&cursor={cursor}" if cursor else ""))
        page = await response.json()
        seen += [item["full_name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(names, reverse=True)
    assert cursor is None


async def test_a_forged_cursor_answers_422(client, team):
    response = await team.admin.get("/api/v1/members?cursor=not-ours")

    assert response.status == 422
    assert (await response.json())["errors"][0]["field"] == "cursor"


async def test_a_note_is_created_with_its_author(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    response = await team.advisor.post(
        f"/api/v1/members/{member_id}/notes", json={"body": "Wants to save for a house."}
    )

    body = await response.json()
    assert response.status == 201
    assert body["author"]["id"] == team.advisor.user["id"]
    assert ("create", "note") in [(r[1], r[2]) for r in await _audit_rows(pool, member_id)]


async def test_an_admin_assigns_a_member_and_the_new_advisor_sees_them(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.other_advisor.user["id"])
    assert (await team.advisor.get(f"/api/v1/members/{member_id}")).status == 404

    response = await team.admin.put(
        f"/api/v1/admin/members/{member_id}/advisor",
        json={"advisor_id": team.advisor.user["id"]},
    )

    assert response.status == 200
    assert (await team.advisor.get(f"/api/v1/members/{member_id}")).status == 200
    assert (await team.other_advisor.get(f"/api/v1/members/{member_id}")).status == 404


async def test_assigning_to_someone_who_is_not_an_advisor_is_refused(client, pool, team):
    member_id = await make_member(pool)

    response = await team.admin.put(
        f"/api/v1/admin/members/{member_id}/advisor", json={"advisor_id": team.admin.user["id"]}
    )

    assert response.status == 422


async def test_admins_read_the_audit_log_filtered_by_member_with_a_cursor(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    for _ in range(3):
        await team.advisor.get(f"/api/v1/members/{member_id}")

    first = await (
        await team.admin.get(f"/api/v1/admin/audit?member_id={member_id}&limit=2")
    ).json()
    second = await (
        await team.admin.get(
            f"/api/v1/admin/audit?member_id={member_id}&limit=2&cursor={first['next_cursor']}"
        )
    ).json()

    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert {item["actor_id"] for item in first["items"]} == {team.advisor.user["id"]}


async def test_the_audit_log_cannot_be_rewritten(pool):
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO audit_log (action, resource) VALUES ('view', 'test') RETURNING id"
        )
        (row_id,) = await cur.fetchone()
    try:
        async with transaction(pool) as cur:
            await cur.execute("DELETE FROM audit_log WHERE id = %s", (row_id,))
    except Exception as exc:
        assert "append-only" in str(exc)
    else:
        raise AssertionError("audit_log accepted a delete")


async def test_admins_create_users_with_the_password_policy(client, team):
    weak = await team.admin.post(
        "/api/v1/admin/users",
        json={
            "email": unique_email(),
            "full_name": "W",
            "role": "advisor",
            "password": "password1",
        },
    )
    email = unique_email()
    created = await team.admin.post(
        "/api/v1/admin/users",
        json={
            "email": email,
            "full_name": "New",
            "role": "advisor",
            "password": "Str0ng-Pass!x-long",
        },
    )
    again = await team.admin.post(
        "/api/v1/admin/users",
        json={
            "email": email.upper(),
            "full_name": "N",
            "role": "admin",
            "password": "Str0ng-Pass!x",
        },
    )
    listed = await (await team.admin.get("/api/v1/admin/users")).json()

    assert weak.status == 422
    assert created.status == 201
    assert again.status == 409
    assert email in [user["email"] for user in listed["items"]]


async def _views_of(pool, member_id: str) -> list[tuple]:
    return [row for row in await _audit_rows(pool, member_id) if row[1] == "view"]


async def test_the_member_screen_checks_the_session_in_the_same_statement(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])

    seen = await team.advisor.get(f"/api/v1/members/{member_id}")
    by_admin = await team.admin.get(f"/api/v1/members/{member_id}")
    by_other = await team.other_advisor.get(f"/api/v1/members/{member_id}")
    stranger = await client.get(
        f"/api/v1/members/{member_id}", headers={"Cookie": "origin_session=not-a-session"}
    )
    malformed_id_without_session = await client.get("/api/v1/members/not-a-uuid")

    assert (seen.status, by_admin.status, by_other.status) == (200, 200, 404)
    assert (stranger.status, malformed_id_without_session.status) == (401, 401)
    assert await _views_of(pool, member_id) == [  # one row per shown screen, none for refusals
        (team.advisor.user["id"], "view", "member_screen", seen.headers["X-Request-ID"]),
        (team.admin.user["id"], "view", "member_screen", by_admin.headers["X-Request-ID"]),
    ]


async def test_a_signed_out_or_disabled_users_cookie_no_longer_opens_the_screen(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    assert (await team.advisor.get(f"/api/v1/members/{member_id}")).status == 200
    assert (await team.admin.get(f"/api/v1/members/{member_id}")).status == 200

    assert (await team.advisor.post("/api/v1/auth/logout")).status == 204
    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE users SET disabled_at = now() WHERE id = %s", (team.admin.user["id"],)
        )

    assert (await team.advisor.get(f"/api/v1/members/{member_id}")).status == 401
    assert (await team.admin.get(f"/api/v1/members/{member_id}")).status == 401
    assert len(await _views_of(pool, member_id)) == 2


async def test_viewing_the_screen_keeps_an_idle_session_alive(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    token_hash = hashlib.sha256(team.advisor.token.encode()).digest()

    async def last_seen_age_seconds() -> float:
        async with transaction(pool) as cur:
            await cur.execute(
                "SELECT EXTRACT(EPOCH FROM now() - last_seen_at) FROM user_sessions"
                " WHERE token_hash = %s",
                (token_hash,),
            )
            return float((await cur.fetchone())[0])

    async with transaction(pool) as cur:
        await cur.execute(
            "UPDATE user_sessions SET last_seen_at = now() - interval '10 minutes'"
            " WHERE token_hash = %s",
            (token_hash,),
        )
    assert await last_seen_age_seconds() > 590

    assert (await team.advisor.get(f"/api/v1/members/{member_id}")).status == 200

    assert await last_seen_age_seconds() < 60


async def test_no_screen_is_sent_when_its_view_cannot_be_audited(client, pool, team):
    member_id = await make_member(
        pool, advisor_id=team.advisor.user["id"], profile=dict(FULL_PROFILE)
    )
    trigger = f"refuse_audit_{uuid.uuid4().hex[:12]}"
    async with transaction(pool) as cur:  # the audit log refuses views of this one member
        await cur.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;"
            f" CREATE TRIGGER {trigger} BEFORE INSERT ON audit_log FOR EACH ROW"
            f" WHEN (NEW.member_id = '{member_id}' AND NEW.action = 'view')"
            f" EXECUTE FUNCTION {trigger}()"
        )
    try:
        by_session = await team.advisor.get(f"/api/v1/members/{member_id}")  # the hot path
        after_change = await team.advisor.patch(  # the screen sent after a change
            f"/api/v1/members/{member_id}", json={"sms_opt_in": False}
        )
    finally:
        async with transaction(pool) as cur:
            await cur.execute(f"DROP TRIGGER {trigger} ON audit_log; DROP FUNCTION {trigger}()")

    for response in (by_session, after_change):
        assert response.status == 500
        assert response.content_type == "application/problem+json"
        assert "120000" not in await response.text()


async def test_the_screen_lists_appointments_soonest_first_and_messages_and_notes_newest_first(
    client, pool, team
):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    advisor_id = team.advisor.user["id"]
    shuffled = [3, 1, 4, 0, 2]  # inserted out of order, so only the statement can order them
    async with transaction(pool) as cur:
        for n in shuffled:
            await cur.execute(
                "INSERT INTO member_notes (id, member_id, author_id, body, created_at)"
                " VALUES (gen_random_uuid(), %s, %s, %s, now() - make_interval(hours => %s))",
                (member_id, advisor_id, f"note {n}h ago", n),
            )
            await cur.execute(
                "INSERT INTO sms_messages (id, member_id, body, created_at)"
                " VALUES (gen_random_uuid(), %s, %s, now() - make_interval(hours => %s))",
                (member_id, f"sms {n}h ago", n),
            )
            await cur.execute(
                "INSERT INTO appointments (id, member_id, advisor_id, starts_at, ends_at, source)"
                " VALUES (gen_random_uuid(), %s, %s, now() + make_interval(days => %s + 1),"
                "         now() + make_interval(days => %s + 1, hours => 1), 'console')",
                (member_id, advisor_id, n, n),
            )

    body = await (await team.advisor.get(f"/api/v1/members/{member_id}")).json()

    assert [note["body"] for note in body["notes"]] == [f"note {n}h ago" for n in range(5)]
    assert [sms["body"] for sms in body["messages"]] == [f"sms {n}h ago" for n in range(5)]
    starts = [appointment["starts_at"] for appointment in body["appointments"]]
    assert len(starts) == 5 and starts == sorted(starts)


async def test_concurrent_views_each_get_their_own_screen_or_refusal(client, pool, team):
    mine = [await make_member(pool, advisor_id=team.advisor.user["id"]) for _ in range(4)]
    theirs = [await make_member(pool, advisor_id=team.other_advisor.user["id"]) for _ in range(4)]
    asks = [
        (session, member_id)
        for member_id in mine + theirs
        for session in (team.advisor, team.other_advisor, team.admin)
    ]

    responses = await asyncio.gather(
        *(session.get(f"/api/v1/members/{member_id}") for session, member_id in asks)
    )

    for (session, member_id), response in zip(asks, responses, strict=True):
        owner = team.advisor if member_id in mine else team.other_advisor
        if session in (owner, team.admin):
            assert response.status == 200
            assert (await response.json())["member"]["id"] == member_id
        else:
            assert response.status == 404
    views = [await _views_of(pool, member_id) for member_id in mine + theirs]
    assert [len(rows) for rows in views] == [2] * 8  # the owner's and the admin's
    reader = client.app[SCREENS_BY_SESSION]
    assert reader.items == len(asks) and reader.batches < reader.items  # they shared statements


async def test_any_spelling_of_the_member_id_opens_the_same_audited_screen(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    spellings = [member_id.upper(), "urn:uuid:" + member_id, member_id.replace("-", "")]

    responses = [await team.advisor.get(f"/api/v1/members/{spelling}") for spelling in spellings]

    assert [response.status for response in responses] == [200, 200, 200]
    assert [(await response.json())["member"]["id"] for response in responses] == [member_id] * 3
    assert len(await _views_of(pool, member_id)) == 3


async def test_a_clients_awkward_request_id_is_audited_as_sent(client, pool, team):
    member_id = await make_member(pool, advisor_id=team.advisor.user["id"])
    awkward = ['a,b "c" {d} \\e NULL', "NULL", ""]

    responses = await asyncio.gather(
        *(
            client.get(
                f"/api/v1/members/{member_id}",
                headers={**team.advisor.headers(), "X-Request-ID": request_id},
            )
            for request_id in awkward
        )
    )

    assert [response.status for response in responses] == [200, 200, 200]
    audited = {row[3] for row in await _views_of(pool, member_id)}
    assert audited == {response.headers["X-Request-ID"] for response in responses}
    assert {'a,b "c" {d} \\e NULL', "NULL"} <= audited
