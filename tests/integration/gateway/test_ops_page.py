"""The ops page: behind HTTP Basic, showing queues, outbox, breakers and switches."""

import httpx

from shared import switches
from shared.database import transaction
from tests.integration.gateway.conftest import OPS_PASSWORD


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
