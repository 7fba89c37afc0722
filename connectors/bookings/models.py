"""Webhook subscriptions and the `invitee.created` / `invitee.canceled` webhook payloads.

Only the fields we use are typed; unknown fields are ignored so a provider
addition does not break parsing. Invitee names, emails and phone numbers are
kept out of reprs.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shared.storable_text import StorableText

# RFC 3339 `date-time`, what the provider sends and the JSON Schema format says.
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})"
)


def _rfc3339(value: Any) -> Any:
    """Read only RFC 3339 text (pydantic would also take unix numbers and zoneless times)."""
    if isinstance(value, datetime):
        return value
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("not an RFC 3339 date-time")
    day, time, fraction, offset = match.groups()
    micros = f".{(fraction or '')[:6]:0<6}"
    zone = "+00:00" if offset in ("Z", "z") else offset
    return datetime.fromisoformat(f"{day}T{time}{micros}{zone}")


Rfc3339 = Annotated[datetime, BeforeValidator(_rfc3339)]


class SubscriptionEvent(StrEnum):
    """Webhook events we subscribe to."""

    INVITEE_CREATED = "invitee.created"
    INVITEE_CANCELED = "invitee.canceled"


class SubscriptionScope(StrEnum):
    """Whose events a subscription covers."""

    ORGANIZATION = "organization"
    USER = "user"
    GROUP = "group"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class WebhookSubscription(_Model):
    """A webhook subscription; `state` turns `disabled` after repeated delivery failures."""

    uri: str
    callback_url: str
    state: Literal["active", "disabled"]
    events: list[str]
    scope: SubscriptionScope
    organization: str
    user: str | None = None
    group: str | None = None
    creator: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    retry_started_at: datetime | None = None

    @property
    def uuid(self) -> str:
        """The last segment of `uri`, used in per-subscription paths."""
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


class WebhookSubscriptionPage(_Model):
    """One page of subscriptions and the token of the next page, if any."""

    collection: list[WebhookSubscription]
    next_page_token: str | None = None


class Cancellation(_Model):
    """Who canceled and when; the free-text reason stays out of reprs."""

    canceled_by: StorableText | None = Field(default=None, repr=False)
    reason: StorableText | None = Field(default=None, repr=False)
    canceler_type: StorableText | None = None
    created_at: Rfc3339 | None = None


class ScheduledEvent(_Model):
    """The meeting an invitee booked."""

    uri: StorableText
    name: StorableText | None = None
    status: StorableText | None = None
    start_time: Rfc3339
    end_time: Rfc3339
    event_type: StorableText | None = None


class Invitee(_Model):
    """The invitee resource carried as a webhook's `payload`."""

    uri: StorableText
    status: Literal["active", "canceled"]
    email: StorableText | None = Field(default=None, repr=False)
    name: StorableText | None = Field(default=None, repr=False)
    first_name: StorableText | None = Field(default=None, repr=False)
    last_name: StorableText | None = Field(default=None, repr=False)
    text_reminder_number: StorableText | None = Field(default=None, repr=False)
    timezone: StorableText | None = None
    event: StorableText | None = None
    scheduled_event: ScheduledEvent | None = None
    rescheduled: bool = False
    old_invitee: StorableText | None = None
    new_invitee: StorableText | None = None
    cancel_url: StorableText | None = None
    reschedule_url: StorableText | None = None
    cancellation: Cancellation | None = None
    created_at: Rfc3339
    updated_at: Rfc3339 | None = None


class InviteeWebhook(_Model):
    """A verified `invitee.created` or `invitee.canceled` webhook body."""

    event: SubscriptionEvent
    created_at: Rfc3339
    created_by: StorableText | None = None
    payload: Invitee
