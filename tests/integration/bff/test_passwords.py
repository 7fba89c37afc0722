"""Changing a password, the policy it meets, and an admin reset that forces a change."""

from __future__ import annotations

from shared.database import transaction
from tests.integration.bff.builders import PASSWORD, make_member, make_user, sign_in

CHANGE_REQUIRED = "https://origin.example/problems/password-change-required"
NEW_PASSWORD = "Granite-otter-lantern-7"


async def _events(pool, user_id: str) -> list[tuple[str, str | None]]:
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT event, actor_id::text FROM account_events WHERE user_id = %s ORDER BY id",
            (user_id,),
        )
        return [(row[0], row[1]) for row in await cur.fetchall()]


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client, pool):
    user = await make_user(pool)
    here = await sign_in(client, user.email)
    elsewhere = await sign_in(client, user.email)

    wrong = await here.post(
        "/api/v1/auth/password",
        json={"current_password": "Not-my-password-1", "new_password": NEW_PASSWORD},
    )
    still = await elsewhere.get("/api/v1/me")
    changed = await here.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert wrong.status == 422
    assert (await wrong.json())["errors"][0]["field"] == "current_password"
    assert still.status == 200
    assert changed.status == 200 and (await changed.json())["requires"] == []
    assert (await here.get("/api/v1/members")).status == 200
    assert (await elsewhere.get("/api/v1/me")).status == 401
    old = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status == 401
    assert (await sign_in(client, user.email, NEW_PASSWORD)).user["id"] == user.id
    assert await _events(pool, user.id) == [("password_changed", user.id)]


async def test_a_new_password_from_the_common_list_or_naming_the_user_is_refused(client, pool):
    user = await make_user(pool, name="Gwendolyn Fairbanks", mfa=True)
    session = await sign_in(client, user.email)

    # "matrix123" and "sunshine2024" were not on the 195-line list we carried before.
    refused = {
        password: await session.post(
            "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": password}
        )
        for password in ("matrix123", "Sunshine2024!", "Gwendolyn-Fairbanks", user.email)
    }

    for password, response in refused.items():
        body = await response.json()
        assert response.status == 422, password
        assert body["errors"][0]["field"] == "new_password"
        assert password not in str(body)


async def test_eight_uncommon_characters_are_enough_with_mfa_but_not_without(client, pool):
    with_mfa = await sign_in(client, (await make_user(pool, mfa=True)).email)
    password_only = await sign_in(client, (await make_user(pool)).email)
    change = {"current_password": PASSWORD, "new_password": "kT9#vq2L"}

    accepted = await with_mfa.post("/api/v1/auth/password", json=change)
    refused = await password_only.post("/api/v1/auth/password", json=change)

    assert accepted.status == 200
    assert refused.status == 422
    assert "at least 15 characters" in (await refused.json())["errors"][0]["message"]


async def test_an_admin_reset_forces_a_change_before_any_data(client, pool, team):
    user = await make_user(pool)
    member = await make_member(pool, advisor_id=user.id)
    old_session = await sign_in(client, user.email)

    reset = await team.admin.post(f"/api/v1/admin/users/{user.id}/password-reset", json={})
    body = await reset.json()
    temporary = body["temporary_password"]
    session = await sign_in(client, user.email, temporary)
    refused = [
        await session.get("/api/v1/members"),
        await session.get(f"/api/v1/members/{member}"),
    ]
    changed = await session.post(
        "/api/v1/auth/password", json={"current_password": temporary, "new_password": NEW_PASSWORD}
    )

    assert reset.status == 200
    assert body["user"]["password_change_required"] is True and len(temporary) >= 20
    assert (await old_session.get("/api/v1/me")).status == 401
    assert session.user["id"] == user.id
    for response in refused:
        assert response.status == 403
        assert (await response.json())["type"] == CHANGE_REQUIRED
    assert changed.status == 200
    assert (await session.get(f"/api/v1/members/{member}")).status == 200
    assert await _events(pool, user.id) == [
        ("password_reset", team.admin.user["id"]),
        ("password_changed", user.id),
    ]


async def test_a_reset_with_mfa_lets_the_user_enroll_again(client, pool, team):
    user = await make_user(pool, "admin")
    temporary = "Teal-harbor-window-42"

    reset = await team.admin.post(
        f"/api/v1/admin/users/{user.id}/password-reset",
        json={"temporary_password": temporary, "reset_mfa": True},
    )
    login = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": temporary}
    )

    assert reset.status == 200 and (await reset.json())["temporary_password"] is None
    assert login.status == 200  # no second step: the authenticator is gone
    assert (await login.json())["requires"] == ["password_change", "mfa_enrollment"]
    assert [event for event, _ in await _events(pool, user.id)] == ["password_reset", "mfa_reset"]


async def test_a_temporary_password_meets_the_policy_and_admins_cannot_reset_themselves(
    client, pool, team
):
    user = await make_user(pool)

    weak = await team.admin.post(
        f"/api/v1/admin/users/{user.id}/password-reset", json={"temporary_password": "password1"}
    )
    own = await team.admin.post(
        f"/api/v1/admin/users/{team.admin.user['id']}/password-reset", json={}
    )
    advisor = await team.advisor.post(f"/api/v1/admin/users/{user.id}/password-reset", json={})

    assert weak.status == 422
    assert own.status == 409
    assert advisor.status == 403
    assert await _events(pool, user.id) == []
