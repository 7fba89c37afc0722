"""Sign-up emails leave through the worker and SES (moto), once, and their link completes it."""

from __future__ import annotations

import re
import uuid

from aiohttp.test_utils import TestClient

from shared.database import Pool, transaction
from shared.messaging import outbox
from shared.messaging.envelope import Envelope
from shared.settings import Settings
from tests.integration.bff.builders import make_member, unique_email
from tests.integration.signup.conftest import WEBAPP_BASE_URL, start_worker
from tests.support.moto_server import MotoServer
from tests.support.polling import eventually

PASSWORD = "Saf3-enough!"
LINK = re.compile(re.escape(WEBAPP_BASE_URL) + r"/verify#token=([A-Za-z0-9_-]{43})")


async def sign_up(bff: TestClient, email: str) -> None:
    response = await bff.post(
        "/api/v1/signup",
        json={"email": email, "password": PASSWORD, "country": "US"},
        headers={"X-Forwarded-For": f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"},
    )
    assert response.status == 202, await response.text()


async def row(pool: Pool, address: str) -> tuple[str, str | None, str | None, str | None, str]:
    """(status, provider message id, text body, error code, id) of the email to `address`."""
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT status, provider_message_id, text_body, error_code, id::text"
            " FROM email_messages WHERE to_address = %s",
            (address,),
        )
        found = await cur.fetchone()
    assert found is not None
    return found[0], found[1], found[2], found[3], found[4]


async def settled(pool: Pool, address: str, status: str) -> tuple[str, ...]:
    async def reached() -> tuple[str, ...]:
        current = await row(pool, address)
        assert current[0] == status, current
        return current  # type: ignore[return-value]

    return await eventually(reached, timeout=20, interval=0.1)


async def test_the_verification_email_reaches_ses_through_the_worker_and_its_link_signs_up(
    bff: TestClient, worker: object, moto: MotoServer, pool: Pool
) -> None:
    email = unique_email("ses")

    await sign_up(bff, email)

    _, provider_id, text_body, _, _ = await settled(pool, email, "sent")
    (sent,) = moto.sent_emails(to=email)
    assert sent["id"] == provider_id
    assert sent["source"] == "no-reply@origin.local"
    assert "Confirm your email" in sent["subject"]
    assert text_body is None  # the link does not outlive its delivery in our tables
    match = LINK.search(sent["body"])
    assert match, sent["body"]
    verified = await bff.post(
        "/api/v1/signup/verify", json={"token": match.group(1), "password": PASSWORD}
    )
    assert verified.status == 201, await verified.text()
    assert (await verified.json())["email"] == email


async def test_a_members_address_gets_the_account_exists_email(
    bff: TestClient, worker: object, moto: MotoServer, pool: Pool
) -> None:
    email = unique_email("member")
    await make_member(pool, email=email)

    await sign_up(bff, email)

    await settled(pool, email, "sent")
    (sent,) = moto.sent_emails(to=email)
    assert "already have an Origin account" in sent["subject"]
    assert f"{WEBAPP_BASE_URL}/sign-in" in sent["body"]
    assert "/verify" not in sent["body"]


async def test_a_redelivered_or_repeated_request_sends_one_email(
    bff: TestClient, worker: object, moto: MotoServer, pool: Pool
) -> None:
    email = unique_email("twice")
    await sign_up(bff, email)
    *_, message_id = await settled(pool, email, "sent")

    async with transaction(pool) as cur:  # the relay publishes the same envelope again
        await cur.execute(
            "INSERT INTO outbox (message_id, event_type, correlation_id, body)"
            " SELECT gen_random_uuid(), event_type, correlation_id, body FROM outbox"
            " WHERE event_type = 'email.requested' AND body LIKE %s",
            (f"%{message_id}%",),
        )
        # ...and another envelope names the same message
        await cur.execute(
            "SELECT body FROM outbox WHERE event_type = 'email.requested' AND body LIKE %s LIMIT 1",
            (f"%{message_id}%",),
        )
        (body,) = await cur.fetchone()
        repeat = Envelope.model_validate_json(body).model_copy(update={"id": uuid.uuid4()})
        await outbox.add(cur, repeat)

    async def all_handled() -> None:
        async with transaction(pool) as cur:
            await cur.execute(
                "SELECT count(*) FROM outbox WHERE body LIKE %s AND published_at IS NULL",
                (f"%{message_id}%",),
            )
            assert (await cur.fetchone())[0] == 0
            await cur.execute(
                "SELECT count(*) FROM inbox WHERE message_id IN (SELECT message_id FROM outbox"
                " WHERE body LIKE %s)",
                (f"%{message_id}%",),
            )
            assert (await cur.fetchone())[0] >= 2

    await eventually(all_handled, timeout=20, interval=0.1)
    assert len(moto.sent_emails(to=email)) == 1


async def test_a_worker_whose_ses_is_not_a_stand_in_records_the_email_as_not_dispatched(
    bff: TestClient, email_settings: Settings, moto: MotoServer, pool: Pool
) -> None:
    # APP_ENV=test with no endpoint would mean AWS itself: the gate refuses it.
    worker = await start_worker(email_settings.model_copy(update={"aws_endpoint_url": None}))
    try:
        email = unique_email("gated")

        await sign_up(bff, email)

        _, provider_id, text_body, error_code, _ = await settled(pool, email, "not_dispatched")
    finally:
        await worker.close()
    assert provider_id is None and error_code == "environment_gate"
    assert text_body is None
    assert moto.sent_emails(to=email) == []
