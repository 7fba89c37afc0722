"""Scheduling-provider subscription check: our booking webhook subscription must be active.

Calendly-shaped providers disable a subscription after repeated failed
deliveries, and from then on bookings silently stop reaching us. Every hour
this job lists the organization's subscriptions and finds ours (by callback
URL). A disabled one is reported (a warning log line, a Sentry message, and
the run's summary, which health shows as the job's `last_run`), deleted and
created again; a missing one is created. Provider calls happen outside any
transaction; the run records what it found and did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from connectors.bookings import (
    CalendlyClient,
    SubscriptionEvent,
    SubscriptionScope,
    WebhookSubscription,
)
from gateway.providers import CALENDLY_WEBHOOK_PATH, public_url
from shared.jobs.job import JobContext
from shared.observability import sentry
from shared.settings import Settings

log = logging.getLogger(__name__)

EVENTS = (SubscriptionEvent.INVITEE_CREATED, SubscriptionEvent.INVITEE_CANCELED)

ClientFactory = Callable[[], AbstractAsyncContextManager[CalendlyClient]]


class SubscriptionCheck:
    """The check, with a factory for the Calendly client (opened per run, closed after)."""

    def __init__(self, settings: Settings, open_client: ClientFactory) -> None:
        self._settings = settings
        self._open_client = open_client
        self.callback_url = public_url(settings, CALENDLY_WEBHOOK_PATH)

    async def __call__(self, ctx: JobContext) -> None:
        async with self._open_client() as client:
            ours = await self._find(client)
            if ours is None:
                log.warning("scheduling webhook subscription missing; creating it")
                await self._create(client)
                ctx.record(subscription="missing", action="created")
            elif ours.state == "disabled":
                log.warning(
                    "scheduling webhook subscription disabled by the provider; re-creating it",
                    extra={"subscription": ours.uuid},
                )
                sentry.capture_message(
                    "scheduling webhook subscription was disabled; re-created", level="warning"
                )
                await client.delete_webhook_subscription(ours.uuid)
                await self._create(client)
                ctx.record(subscription="disabled", action="recreated", disabled_uuid=ours.uuid)
            else:
                ctx.record(subscription="active", action="none")

    async def _find(self, client: CalendlyClient) -> WebhookSubscription | None:
        page_token: str | None = None
        while True:
            page = await client.list_webhook_subscriptions(
                organization=self._settings.scheduling_organization_uri,
                scope=SubscriptionScope.ORGANIZATION,
                page_token=page_token,
            )
            for subscription in page.collection:
                if subscription.callback_url == self.callback_url:
                    return subscription
            if not page.next_page_token:
                return None
            page_token = page.next_page_token

    async def _create(self, client: CalendlyClient) -> WebhookSubscription:
        return await client.create_webhook_subscription(
            url=self.callback_url,
            events=EVENTS,
            organization=self._settings.scheduling_organization_uri,
            scope=SubscriptionScope.ORGANIZATION,
            signing_key=self._settings.scheduling_webhook_signing_key,
        )
