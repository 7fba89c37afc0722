"""Sign-in under load: the throttle holds under concurrency, hashing is bounded, hashes redone."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from bff.app import create_app
from bff.auth.login_throttle import account_key
from bff.web.limits import Limits
from shared.database import transaction
from shared.identity import passwords
from shared.identity.passwords import BoundedHasher, Hasher
from shared.settings import Settings
from tests.integration.bff.builders import PASSWORD, make_user


class CountingHasher:
    """The real hashing, counting each verification (the observable the throttle bounds)."""

    def __init__(self) -> None:
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await passwords.hash_password(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verifications += 1
        return await passwords.verify_password(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return passwords.needs_rehash(password_hash)


def _unique_ip() -> str:
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


async def _client(aiohttp_client: Any, settings: Settings, hasher: Hasher) -> TestClient:
    app = create_app(
        settings, limits=Limits(client_ip_header="X-Forwarded-For"), password_hasher=hasher
    )
    return await aiohttp_client(app, cookie_jar=DummyCookieJar())


async def test_sixty_concurrent_wrong_passwords_are_verified_at_most_five_times(
    aiohttp_client, settings, pool
):
    hasher = CountingHasher()
    client = await _client(aiohttp_client, settings, hasher)
    user = await make_user(pool)
    headers = {"X-Forwarded-For": _unique_ip()}

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/auth/login",
                json={"email": user.email, "password": f"Wrong-{n}-pass!"},
                headers=headers,
            )
            for n in range(60)
        )
    )

    statuses = sorted(response.status for response in responses)
    assert hasher.verifications == 5
    assert statuses == [401] * 5 + [429] * 55
    for response in responses:
        if response.status == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.content_type == "application/problem+json"
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT count(*) FROM login_failures WHERE client_ip = %s",
            (headers["X-Forwarded-For"],),
        )
        assert (await cur.fetchone())[0] == 5


async def test_sign_ins_past_the_hashing_queue_answer_503_and_are_not_counted(
    aiohttp_client, settings, pool
):
    hasher = BoundedHasher(max_waiting=1)
    try:
        client = await _client(aiohttp_client, settings, hasher)
        people = [await make_user(pool) for _ in range(8)]

        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/auth/login",
                    json={"email": person.email, "password": PASSWORD},
                    headers={"X-Forwarded-For": _unique_ip()},
                )
                for person in people
            )
        )

        statuses = [response.status for response in responses]
        assert 200 in statuses
        assert 503 in statuses
        assert set(statuses) <= {200, 503}
        for response in responses:
            if response.status == 503:
                assert response.headers["Retry-After"] == "1"
                assert response.content_type == "application/problem+json"
        async with transaction(pool) as cur:
            await cur.execute(
                "SELECT count(*) FROM login_failures WHERE account_key = ANY(%s)",
                ([account_key(person.email) for person in people],),
            )
            assert (await cur.fetchone())[0] == 0
    finally:
        hasher.close()


async def test_a_hash_with_older_parameters_is_redone_at_the_next_sign_in(client, pool):
    user = await make_user(pool)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    async with transaction(pool) as cur:
        await cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (old, user.id))

    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )

    assert response.status == 200
    async with transaction(pool) as cur:
        await cur.execute("SELECT password_hash FROM users WHERE id = %s", (user.id,))
        stored = (await cur.fetchone())[0]
    assert stored != old
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    again = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert again.status == 200
