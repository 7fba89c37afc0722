"""A bff replica that stops ends its streams at once; the page resumes on another replica."""

from __future__ import annotations

import aiohttp

from tests.integration.bff.builders import PASSWORD, make_member, make_user
from tests.support.infra import free_port
from tests.support.processes import RoleProcess
from tests.support.sse import EventStream


def _env(settings) -> dict[str, str]:
    return {
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "AMQP_URL": settings.amqp_url.get_secret_value(),
    }


async def test_sigterm_ends_every_stream_and_another_replica_replays_from_last_event_id(
    pool, settings, tmp_path
):
    advisor = await make_user(pool, "advisor")
    member_id = await make_member(pool, advisor_id=advisor.id)
    first = RoleProcess(["-m", "bff"], free_port(), _env(settings), tmp_path / "a.log").start()
    second = RoleProcess(["-m", "bff"], free_port(), _env(settings), tmp_path / "b.log").start()
    try:
        first.wait_healthy()
        second.wait_healthy()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            login = await http.post(
                f"{first.url}/api/v1/auth/login",
                json={"email": advisor.email, "password": PASSWORD},
            )
            cookie = {"Cookie": f"origin_session={login.cookies['origin_session'].value}"}
            events = f"/api/v1/members/{member_id}/events"
            response = await http.get(first.url + events, headers=cookie)
            page = EventStream(response)
            screen = await page.next()

            first.terminate()  # SIGTERM: the replica drains
            end = await page.next(timeout=10)
            assert first.wait(timeout=30) == 0
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute(
                    "INSERT INTO sms_messages (id, member_id, body)"
                    " VALUES (gen_random_uuid(), %s, 'while away')",
                    (member_id,),
                )
            resumed = await http.get(
                second.url + events, headers={**cookie, "Last-Event-ID": str(screen.id)}
            )
            change = await EventStream(resumed).next()
            resumed.close()
    finally:
        first.stop()
        second.stop()

    assert screen.event == "screen"
    assert end.event == "end" and end.data == {"reason": "shutdown"}
    assert change.event == "change" and change.data["message"]["body"] == "while away"
