"""The connectors' clients against the running provider simulator, with faults injected.

Each test serves the simulator in-process on a free port (its webhooks go to a
recorder standing in for the gateway) and scripts faults through its admin
API, so retries, `Retry-After`, timeouts, the breaker and the per-login rate
limit are exercised over real HTTP. Policies use short delays to stay fast.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr

from connectors.aggregation import (
    AggregationConfig,
    ItemAccess,
    PlaidWebhookVerifier,
    open_aggregation_client,
)
from connectors.bookings import (
    CalendlySignatureVerifier,
    InviteeWebhook,
    SchedulingConfig,
    SubscriptionEvent,
    SubscriptionScope,
    WebhookSubscriptionPage,
    open_scheduling_client,
)
from connectors.breaker import BreakerSettings, BreakerState
from connectors.errors import CircuitOpen, RateLimited, TransientError
from connectors.http import HttpSettings
from connectors.policy import PolicySettings
from connectors.retry import RetrySettings
from connectors.sms import SmsConfig, TwilioSignatureValidator, open_sms_client
from shared.settings import AppEnv
from tests.support.polling import eventually
from tests.support.simulator import (
    SimulatorHandle,
    WebhookRecorder,
    running_simulator,
    simulator_config,
)

FAST_RETRY = RetrySettings(
    max_attempts=3, base_delay_seconds=0.01, max_delay_seconds=0.05, max_retry_after_seconds=3
)
POLICY = PolicySettings(
    retry=FAST_RETRY, breaker=BreakerSettings(consecutive_failures=3, open_seconds=0.5)
)
HTTP = HttpSettings(connect_timeout_seconds=1, total_timeout_seconds=2)


@pytest.fixture
async def recorder() -> AsyncIterator[WebhookRecorder]:
    async with WebhookRecorder() as started:
        yield started


@pytest.fixture
async def simulator(recorder: WebhookRecorder) -> AsyncIterator[SimulatorHandle]:
    config = simulator_config(gateway_webhook_base_url=recorder.url)
    async with running_simulator(config) as handle:
        yield handle


def sms_config(simulator: SimulatorHandle, recorder: WebhookRecorder) -> SmsConfig:
    return SmsConfig(
        base_url=simulator.url,
        account_sid=simulator.config.twilio_account_sid,
        auth_token=simulator.config.twilio_auth_token,
        from_number="+15550009999",
        status_callback_url=f"{recorder.url}/webhooks/sms/status",
        simulator_urls=(simulator.url,),
        http=HTTP,
        policy=POLICY,
    )


def plaid_config(
    simulator: SimulatorHandle, recorder: WebhookRecorder, **extra
) -> AggregationConfig:
    return AggregationConfig(
        base_url=simulator.url,
        client_id=simulator.config.plaid_client_id,
        secret=simulator.config.plaid_secret,
        webhook_url=f"{recorder.url}/webhooks/plaid",
        sync_page_size=10,
        http=extra.pop("http", HTTP),
        policy=extra.pop("policy", POLICY),
        **extra,
    )


async def linked_item(simulator: SimulatorHandle, recorder: WebhookRecorder) -> ItemAccess:
    """Link an item through the hosted link page, as a member's browser would."""
    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        link = await plaid.create_link_token("member-42", redirect_uri="https://app.example/done")
        async with httpx.AsyncClient(base_url=simulator.url) as browser:
            done = await browser.post(
                "/link/complete",
                data={
                    "token": link.link_token,
                    "institution_id": "ins_109508",
                    "username": "user_good",
                    "password": "pass_good",
                },
            )
        public_token = httpx.URL(done.headers["Location"]).params["public_token"]
        return await plaid.exchange_public_token(public_token)


async def injected(simulator: SimulatorHandle) -> list[tuple[int, int]]:
    return [(rule["matched"], rule["injected"]) for rule in await simulator.admin.faults()]


# --- SMS ---------------------------------------------------------------------


async def test_an_sms_reaches_the_simulator_and_its_signed_callbacks_verify(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    config = sms_config(simulator, recorder)
    async with open_sms_client(config, app_env=AppEnv.TEST) as sms:
        sent = await sms.send("+15551230001", "Your session is tomorrow at 3pm")

    async def delivered():
        statuses = [dict(parse_qsl(h.body.decode()))["MessageStatus"] for h in recorder.received]
        assert statuses == ["sent", "delivered"]

    await eventually(delivered, timeout=5)
    validator = TwilioSignatureValidator(config.auth_token)
    for hook in recorder.received:
        params = dict(parse_qsl(hook.body.decode()))
        validator.verify(
            config.status_callback_url or "", params, hook.headers["X-Twilio-Signature"]
        )
    recorded = await simulator.admin.sent_sms()
    assert [(m["sid"], m["to"]) for m in recorded] == [(sent.sid, "+15551230001")]


async def test_an_sms_is_retried_after_503s_and_sent_exactly_once(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await simulator.admin.set_faults({"prefix": "/2010-04-01", "status": 503, "times": 2})

    async with open_sms_client(sms_config(simulator, recorder), app_env=AppEnv.TEST) as sms:
        await sms.send("+15551230002", "Reminder")

    assert await injected(simulator) == [(2, 2)]
    assert len(await simulator.admin.sent_sms()) == 1


async def test_an_sms_is_not_retried_after_an_ambiguous_500(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    await simulator.admin.set_faults({"prefix": "/2010-04-01", "status": 500, "times": 1})

    async with open_sms_client(sms_config(simulator, recorder), app_env=AppEnv.TEST) as sms:
        with pytest.raises(TransientError) as caught:
            await sms.send("+15551230003", "Reminder")

    assert caught.value.ambiguous
    assert await injected(simulator) == [(1, 1)]
    assert await simulator.admin.sent_sms() == []


# --- Aggregation ---------------------------------------------------------------


async def test_linking_balances_and_a_full_sync_work_end_to_end(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        accounts = await plaid.get_balances(token)
        result = await plaid.sync_transactions(token)

        async def webhook_arrived():
            assert recorder.at("/webhooks/plaid")

        await eventually(webhook_arrived, timeout=5)
        hook = recorder.at("/webhooks/plaid")[0]
        verifier = PlaidWebhookVerifier(plaid.get_webhook_verification_key)
        claims = await verifier.verify(hook.headers["Plaid-Verification"], hook.body)

    assert [a.subtype for a in accounts] == ["checking", "savings", "credit card"]
    assert all(isinstance(a.balances.current, Decimal) for a in accounts)
    assert len(result.added) == 3 * simulator.config.transactions_per_account
    assert result.pages == 6 and result.next_cursor
    assert "request_body_sha256" in claims


async def test_5xx_on_balances_are_retried_until_they_succeed(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token
    await simulator.admin.set_faults({"prefix": "/accounts/balance", "status": 502, "times": 2})

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        accounts = await plaid.get_balances(token)

    assert len(accounts) == 3
    assert await injected(simulator) == [(2, 2)]


async def test_a_429_retry_after_is_honoured_before_the_next_attempt(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token
    await simulator.admin.set_faults(
        {"prefix": "/accounts/balance", "status": 429, "retry_after_seconds": 1, "times": 1}
    )

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        started = time.monotonic()
        await plaid.get_balances(token)
        elapsed = time.monotonic() - started

    assert 1.0 <= elapsed < 3.0
    assert await injected(simulator) == [(1, 1)]


async def test_a_retry_after_beyond_the_cap_surfaces_as_rate_limited_at_once(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token
    await simulator.admin.set_faults(
        {"prefix": "/accounts/balance", "status": 429, "retry_after_seconds": 120}
    )

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        with pytest.raises(RateLimited) as caught:
            await plaid.get_balances(token)

    assert caught.value.retry_after == 120
    assert await injected(simulator) == [(1, 1)]


async def test_a_hung_provider_times_out_and_is_retried_up_to_the_attempt_limit(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token
    await simulator.admin.set_faults({"prefix": "/transactions", "hang": True})
    quick = HttpSettings(connect_timeout_seconds=0.5, total_timeout_seconds=0.3)

    async with open_aggregation_client(plaid_config(simulator, recorder, http=quick)) as plaid:
        with pytest.raises(TransientError):
            await plaid.sync_transactions(token)

    assert await injected(simulator) == [(3, 3)]


async def test_a_sync_restarts_when_the_data_changes_during_pagination(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    item = await linked_item(simulator, recorder)

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        async with httpx.AsyncClient(base_url=simulator.url) as admin:
            await admin.post(f"/_admin/plaid/items/{item.item_id}/mutation_during_pagination")
        result = await plaid.sync_transactions(item.access_token)

    assert result.restarts == 1
    assert len(result.added) == 3 * simulator.config.transactions_per_account


async def test_the_sixth_balance_refresh_of_a_login_in_a_minute_is_held_back(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    token = (await linked_item(simulator, recorder)).access_token

    async with open_aggregation_client(plaid_config(simulator, recorder)) as plaid:
        for _ in range(5):
            await plaid.get_balances(token)
        with pytest.raises(RateLimited) as caught:
            await plaid.get_balances(token)

    assert 50 < (caught.value.retry_after or 0) <= 60


# --- Scheduling and the breaker ---------------------------------------------------


def scheduling_config(simulator: SimulatorHandle) -> SchedulingConfig:
    return SchedulingConfig(
        base_url=simulator.url,
        api_token=simulator.config.calendly_api_token,
        http=HTTP,
        policy=POLICY,
    )


async def test_a_subscription_made_by_the_client_receives_verifiable_invitee_webhooks(
    simulator: SimulatorHandle, recorder: WebhookRecorder
):
    bearer = {"Authorization": f"Bearer {simulator.config.calendly_api_token.get_secret_value()}"}
    async with httpx.AsyncClient(base_url=simulator.url, headers=bearer) as http:
        me = (await http.get("/users/me")).json()["resource"]
    key = SecretStr("subscription-signing-key")

    async with open_scheduling_client(scheduling_config(simulator)) as calendly:
        created = await calendly.create_webhook_subscription(
            url=f"{recorder.url}/webhooks/calendly",
            events=[SubscriptionEvent.INVITEE_CREATED, SubscriptionEvent.INVITEE_CANCELED],
            organization=me["current_organization"],
            scope=SubscriptionScope.USER,
            user=me["uri"],
            signing_key=key,
        )
        listed = await calendly.list_webhook_subscriptions(
            organization=me["current_organization"], scope=SubscriptionScope.USER
        )
    await simulator.admin.trigger_invitee("invitee.created", email="sam@example.com")

    assert [s.uri for s in listed.collection] == [created.uri]
    (hook,) = recorder.at("/webhooks/calendly")
    CalendlySignatureVerifier(key).verify(hook.headers["Calendly-Webhook-Signature"], hook.body)
    assert InviteeWebhook.model_validate_json(hook.body).payload.email == "sam@example.com"


async def test_the_breaker_opens_on_an_outage_then_a_probe_closes_it(
    simulator: SimulatorHandle,
):
    await simulator.admin.set_faults({"prefix": "/webhook_subscriptions", "status": 503})
    async with open_scheduling_client(scheduling_config(simulator)) as calendly:

        async def list_call() -> WebhookSubscriptionPage:
            return await calendly.list_webhook_subscriptions(
                organization="org", scope=SubscriptionScope.ORGANIZATION
            )

        for _ in range(3):
            with pytest.raises((TransientError, CircuitOpen)):
                await list_call()
        assert calendly.policy.breaker.snapshot().state == BreakerState.OPEN
        reached = (await simulator.admin.faults())[0]["matched"]

        with pytest.raises(CircuitOpen):
            await list_call()
        assert (await simulator.admin.faults())[0]["matched"] == reached

        await simulator.admin.clear_faults()

        async def half_open_probe_succeeds() -> None:
            try:
                await list_call()
            except CircuitOpen as exc:
                raise AssertionError("still open") from exc

        await eventually(half_open_probe_succeeds, timeout=5)
        assert calendly.policy.breaker.snapshot().state == BreakerState.CLOSED
