"""Webhook subscriptions and the `invitee.created` / `invitee.canceled` webhook payloads.

Only the fields we use are typed; unknown fields are ignored so a provider
addition does not break parsing. Invitee names, emails and phone numbers are
kept out of reprs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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

    canceled_by: str | None = Field(default=None, repr=False)
    reason: str | None = Field(default=None, repr=False)
    canceler_type: str | None = None
    created_at: datetime | None = None


class ScheduledEvent(_Model):
    """The meeting an invitee booked."""

    uri: str
    name: str | None = None
    status: str | None = None
    start_time: datetime
    end_time: datetime
    event_type: str | None = None


class Invitee(_Model):
    """The invitee resource carried as a webhook's `payload`."""

    uri: str
    status: Literal["active", "canceled"]
    email: str | None = Field(default=None, repr=False)
    name: str | None = Field(default=None, repr=False)
    first_name: str | None = Field(default=None, repr=False)
    last_name: str | None = Field(default=None, repr=False)
    text_reminder_number: str | None = Field(default=None, repr=False)
    timezone: str | None = None
    event: str | None = None
    scheduled_event: ScheduledEvent | None = None
    rescheduled: bool = False
    old_invitee: str | None = None
    new_invitee: str | None = None
    cancel_url: str | None = None
    reschedule_url: str | None = None
    cancellation: Cancellation | None = None
    created_at: datetime
    updated_at: datetime | None = None


class InviteeWebhook(_Model):
    """A verified `invitee.created` or `invitee.canceled` webhook body."""

    event: SubscriptionEvent
    created_at: datetime
    created_by: str | None = None
    payload: Invitee
