"""Bookings through a Calendly-shaped provider: webhook subscriptions and booking webhooks.

(Its settings keep the `SCHEDULING_*` names: they are the deployment contract.)

Public API:

- `SchedulingConfig(api_token: SecretStr, base_url="https://api.calendly.com",
  http=HttpSettings(), policy=PolicySettings())`
- `CalendlyClient(http: httpx.AsyncClient, config, *, policy=None)`:
  `create_webhook_subscription(url=, events=, organization=, scope=, user=None,
  group=None, signing_key=None) -> WebhookSubscription`,
  `list_webhook_subscriptions(organization=, scope=, user=None, group=None, count=100,
  page_token=None) -> WebhookSubscriptionPage`,
  `get_webhook_subscription(uuid) -> WebhookSubscription` (its `state`),
  `delete_webhook_subscription(uuid)`;
  `open_scheduling_client(config, transport=None)` owns and closes its HTTP client.
- `CalendlySignatureVerifier(signing_key, tolerance=3 min, clock=...)
  .verify(header, raw_body)` for `Calendly-Webhook-Signature` (`SIGNATURE_HEADER`);
  `sign_calendly_webhook(signing_key, body, at=)` and `compute_calendly_signature`
  produce signatures (simulator, tests).
- Models: `InviteeWebhook` (`invitee.created` / `invitee.canceled` bodies), `Invitee`,
  `ScheduledEvent`, `Cancellation`, `WebhookSubscription`, `WebhookSubscriptionPage`,
  `SubscriptionEvent`, `SubscriptionScope`.
"""

from connectors.bookings.client import PROVIDER, CalendlyClient, open_scheduling_client
from connectors.bookings.config import SchedulingConfig
from connectors.bookings.models import (
    Cancellation,
    Invitee,
    InviteeWebhook,
    ScheduledEvent,
    SubscriptionEvent,
    SubscriptionScope,
    WebhookSubscription,
    WebhookSubscriptionPage,
)
from connectors.bookings.signature import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    CalendlySignatureVerifier,
    compute_calendly_signature,
    sign_calendly_webhook,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "PROVIDER",
    "SIGNATURE_HEADER",
    "CalendlyClient",
    "CalendlySignatureVerifier",
    "Cancellation",
    "Invitee",
    "InviteeWebhook",
    "ScheduledEvent",
    "SchedulingConfig",
    "SubscriptionEvent",
    "SubscriptionScope",
    "WebhookSubscription",
    "WebhookSubscriptionPage",
    "compute_calendly_signature",
    "open_scheduling_client",
    "sign_calendly_webhook",
]
