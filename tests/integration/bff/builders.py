"""Small builders for bff tests: users, members and signed-in sessions.

Rows are written straight to Postgres with unique emails (the database is shared by
the whole run). Password hashing is slow by design, so every test user shares one
precomputed hash of `PASSWORD`. Admins always need MFA, so `make_user` enrolls them
(and anyone asked with `mfa=True`) with a TOTP secret it remembers, and `sign_in`
answers the second step with a fresh code of that secret.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from shared.database import Pool, transaction
from shared.identity import totp
from shared.identity.passwords import hash_password_sync
from shared.identity.totp import TotpSecretCipher
from shared.settings import Settings

PASSWORD = "Correct-horse-9!"


@cache
def password_hash() -> str:
    return hash_password_sync(PASSWORD)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


@dataclass(frozen=True)
class UserRow:
    id: str
    email: str
    full_name: str
    role: str
    totp_secret: str | None = None


# email -> (TOTP secret, last step a builder used), for `sign_in`'s second step.
_TOTP: dict[str, tuple[str, int]] = {}


def test_cipher() -> TotpSecretCipher:
    """The cipher of the test settings' (default) MFA key."""
    return TotpSecretCipher.from_setting(Settings().mfa_secret_encryption_keys)


async def enroll_mfa(pool: Pool, user_id: str, email: str) -> str:
    """Turn MFA on for the user with a new secret; returns the secret."""
    secret = totp.new_secret()
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO user_mfa (user_id, secret_encrypted, confirmed_at) VALUES (%s, %s, now())",
            (user_id, test_cipher().encrypt(secret)),
        )
    _TOTP[email.lower()] = (secret.get_secret_value(), 0)
    return secret.get_secret_value()


async def make_user(
    pool: Pool, role: str = "advisor", *, name: str | None = None, mfa: bool | None = None
) -> UserRow:
    user = UserRow(str(uuid.uuid4()), unique_email(role), name or f"Test {role.title()}", role)
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash)"
            " VALUES (%s, %s, %s, %s, %s)",
            (user.id, user.email, user.full_name, user.role, password_hash()),
        )
    if mfa if mfa is not None else role == "admin":
        secret = await enroll_mfa(pool, user.id, user.email)
        user = UserRow(user.id, user.email, user.full_name, user.role, secret)
    return user


async def fresh_code(email: str) -> str:
    """A code of the user's secret for a step no builder used yet (waiting for the next
    step when this one and the next are spent)."""
    secret, last = _TOTP[email.lower()]
    while True:
        now = totp.time_step(datetime.now(UTC))
        step = max(now, last + 1)
        if step <= now + totp.DRIFT_STEPS:
            break
        await asyncio.sleep(totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS + 0.05)
    _TOTP[email.lower()] = (secret, step)
    return totp.code_at_step(SecretStr(secret), step)


async def make_member(
    pool: Pool,
    *,
    advisor_id: str | None = None,
    full_name: str = "Marta Member",
    phone: str | None = "+14155550123",
    sms_opt_in: bool = True,
    profile: dict[str, Any] | None = None,
    email: str | None = None,
) -> str:
    member_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
            " access_type, advisor_id) VALUES (%s, %s, %s, %s, 'US', %s, 'dtc', %s)",
            (
                member_id,
                email or unique_email("member"),
                full_name,
                phone,
                sms_opt_in,
                advisor_id,
            ),
        )
        if profile is not None:
            columns = ", ".join(profile)
            values = [
                json.dumps(v) if k in ("houses", "vehicles", "risk_answers") else v
                for k, v in profile.items()
            ]
            placeholders = ", ".join(["%s"] * len(profile))
            await cur.execute(
                f"INSERT INTO member_profiles (member_id, {columns}) VALUES (%s, {placeholders})",
                [member_id, *values],
            )
    return member_id


FULL_PROFILE: dict[str, Any] = {
    "age": 35,
    "dependents": 2,
    "annual_income": "120000.00",
    "monthly_costs": "2500.00",
    "marital_status": "married",
    "houses": [{"id": 1, "ownership_status": "mortgaged"}],
    "vehicles": [{"id": 1, "year": 2018}],
    "risk_answers": [False, True, False],
}


@dataclass
class Session:
    """A signed-in user on a test client whose cookie jar is off (so sessions never mix)."""

    client: TestClient
    token: str
    csrf_token: str
    user: dict[str, Any]

    def headers(self, *, csrf: bool = True) -> dict[str, str]:
        headers = {"Cookie": f"origin_session={self.token}"}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf_token
        return headers

    async def request(
        self, method: str, path: str, *, json: Any = None, csrf: bool = True
    ) -> ClientResponse:
        return await self.client.request(method, path, json=json, headers=self.headers(csrf=csrf))

    async def get(self, path: str) -> ClientResponse:
        return await self.request("GET", path)

    async def post(self, path: str, json: Any = None) -> ClientResponse:
        return await self.request("POST", path, json=json)

    async def patch(self, path: str, json: Any = None) -> ClientResponse:
        return await self.request("PATCH", path, json=json)

    async def put(self, path: str, json: Any = None) -> ClientResponse:
        return await self.request("PUT", path, json=json)


async def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Session:
    """Sign in, answering the second step when the user has MFA on (builders' users)."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    body = await response.json()
    if response.status == 202:
        response = await answer_challenge(client, response, await fresh_code(email))
        body = await response.json()
    assert response.status == 200, body
    token = response.cookies["origin_session"].value
    return Session(client, token, body["csrf_token"], body["user"])


async def answer_challenge(
    client: TestClient, login: ClientResponse, code: str, method: str = "totp"
) -> ClientResponse:
    """The second step of sign-in with the challenge cookie the password step set."""
    challenge = login.cookies["origin_mfa_challenge"].value
    return await client.post(
        "/api/v1/auth/mfa",
        json={"method": method, "code": code},
        headers={"Cookie": f"origin_mfa_challenge={challenge}"},
    )
