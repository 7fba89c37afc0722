"""The scheduling-provider subscription check re-creates a missing or disabled subscription."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.bookings import open_scheduling_client
from connectors.simulator.calendly import CALENDLY
from gateway.bookings.subscriptions import SubscriptionCheck
from gateway.providers import scheduling_config
from shared.jobs import runs
from shared.jobs.clock import ManualClock
from shared.jobs.job import job
from shared.jobs.schedule import CatchUp
from tests.support.infra import unique_name
from tests.support.simulator import running_simulator


async def test_a_disabled_subscription_is_reported_and_recreated(pool, settings, replicas):
    async with running_simulator() as simulator:
        assert simulator.app is not None
        configured = settings.model_copy(update={"scheduling_base_url": simulator.url})
        check = SubscriptionCheck(
            configured, lambda: open_scheduling_client(scheduling_config(configured))
        )
        name = unique_name("subscriptions")
        clock = ManualClock(datetime.now(UTC))
        replica = await replicas(
            [
                job(
                    name,
                    check,
                    cron="7 * * * *",
                    timezone="UTC",
                    catch_up=CatchUp.SKIP,
                    description="subscription check under test",
                )
            ],
            clock,
            "a",
        )
        await replica.register()
        state = simulator.app[CALENDLY]

        async def run() -> runs.RunRecord:
            await runs.request_manual(pool, name, requested_by="test", now=clock.now())
            await replica.tick()
            await replica.idle()
            return (await runs.history(pool, name, limit=1))[0]

        created = await run()
        (first,) = state.subscriptions.values()
        first.state = "disabled"
        recreated = await run()
        (second,) = state.subscriptions.values()
        healthy = await run()

    assert created.summary == {"subscription": "missing", "action": "created"}
    assert recreated.status == "succeeded"
    assert recreated.summary["subscription"] == "disabled"
    assert recreated.summary["action"] == "recreated"
    assert second.uuid != first.uuid and second.state == "active"
    assert second.callback_url == check.callback_url
    assert set(second.events) == {"invitee.created", "invitee.canceled"}
    assert healthy.summary == {"subscription": "active", "action": "none"}
    health = await replica.health()
    assert health["jobs"][name]["last_run"]["summary"]["subscription"] == "active"
