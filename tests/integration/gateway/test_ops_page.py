"""The ops page: behind HTTP Basic, showing queues, outbox, breakers and switches."""

import httpx

from shared import switches
from shared.database import transaction
from tests.integration.gateway import builders
from tests.integration.gateway.conftest import OPS_PASSWORD
from tests.support.polling import eventually


async def test_the_ops_page_needs_the_ops_credential(gateway):
    async with httpx.AsyncClient(base_url=gateway.web_url) as client:
        missing = await client.get("/ops")
        wrong = await client.get("/ops", auth=("ops", "nope"))
        other_user = await client.get("/ops", auth=("admin", OPS_PASSWORD))
    assert [r.status_code for r in (missing, wrong, other_user)] == [401, 401, 401]
    assert missing.headers["WWW-Authenticate"].startswith("Basic")


async def test_the_ops_page_shows_queues_outbox_breakers_and_switches(gateway_with_worker, pool):
    async with transaction(pool) as cur:
        await switches.set_switch(cur, "scheduling.sync", enabled=False, updated_by="tests")
    try:
        async with httpx.AsyncClient(base_url=gateway_with_worker.web_url) as client:
            page = await client.get("/ops", auth=("ops", OPS_PASSWORD))
    finally:
        async with transaction(pool) as cur:
            await switches.set_switch(cur, "scheduling.sync", enabled=True, updated_by="tests")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    for queue in ("gateway.sms", "gateway.sms_status", "gateway.accounts", "gateway.scheduling"):
        assert f"<td>{queue}</td>" in html
    assert 'id="outbox"' in html
    for provider in ("twilio", "plaid", "calendly"):
        assert f"<td>{provider}</td>" in html
    assert "gateway-worker@" in html, "the worker reports its breakers"
    assert "<td>scheduling.sync</td>" in html
    assert '<td class="bad">off</td>' in html


async def test_the_ops_page_shows_the_provider_limits_and_the_shared_buckets(
    gateway_with_worker, pool
):
    member_id, _ = await builders.member(pool, phone=builders.unique_phone())
    message_id = await builders.sms_message(pool, member_id, emit=True)

    async def sent():
        assert (await builders.message_row(pool, message_id))[0] in ("sent", "delivered")

    await eventually(sent)
    async with httpx.AsyncClient(base_url=gateway_with_worker.web_url) as client:
        html = (await client.get("/ops", auth=("ops", OPS_PASSWORD))).text

    assert 'id="rate-limits"' in html
    assert "<td>per sender</td>" in html and "<td>1000 per 1.0 s</td>" in html
    assert "<td>per linked login</td>" in html and "<td>5 per 60.0 s</td>" in html
    sender = gateway_with_worker.settings.sms_from_number
    assert f"<td>twilio:sender:{sender}</td><td>1</td>" in html
