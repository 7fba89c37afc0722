"""What the SMS provider answers and what its status callbacks say."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.storable_text import StorableText


class MessageStatus(StrEnum):
    """A message's delivery status as the provider reports it."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    CANCELED = "canceled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    RECEIVING = "receiving"
    RECEIVED = "received"
    READ = "read"
    PARTIALLY_DELIVERED = "partially_delivered"

    @property
    def is_final(self) -> bool:
        """True once the status cannot change any more."""
        return self in (
            MessageStatus.DELIVERED,
            MessageStatus.UNDELIVERED,
            MessageStatus.FAILED,
            MessageStatus.CANCELED,
            MessageStatus.READ,
        )


class SentMessage(BaseModel):
    """The provider's record of a message it accepted (no phone numbers, no body)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sid: str
    status: MessageStatus
    error_code: int | None = None


def _rfc2822(value: Any) -> datetime | None:
    """The provider's RFC 2822 dates ("Wed, 02 Dec 2026 08:00:00 +0000"); ISO 8601 accepted."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class ListedMessage(BaseModel):
    """One message of the provider's message list, read tolerantly (unknown fields ignored).

    Holds the body and numbers because reconciliation matches on them; never log it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    sid: str
    status: str
    to: str | None = None
    from_: str | None = Field(default=None, alias="from")
    body: str | None = None
    direction: str | None = None
    date_created: datetime | None = None
    date_sent: datetime | None = None
    error_code: int | None = None

    @field_validator("date_created", "date_sent", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> datetime | None:
        return _rfc2822(value)

    @field_validator("error_code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> int | None:
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @property
    def known_status(self) -> MessageStatus | None:
        """The status if it is one we know (the provider may add new ones)."""
        try:
            return MessageStatus(self.status)
        except ValueError:
            return None


class StatusCallback(BaseModel):
    """A status callback's parameters that we act on; the rest stays in the raw event."""

    model_config = ConfigDict(frozen=True)

    message_sid: StorableText
    message_status: MessageStatus
    account_sid: StorableText | None = None
    error_code: StorableText | None = None

    @classmethod
    def from_form(cls, params: Iterable[tuple[str, str]]) -> StatusCallback:
        """Read a verified form body (`MessageSid`, `MessageStatus`, `ErrorCode`, ...)."""
        fields = dict(params)
        return cls(
            message_sid=fields["MessageSid"],
            message_status=MessageStatus(fields["MessageStatus"]),
            account_sid=fields.get("AccountSid"),
            error_code=fields.get("ErrorCode") or None,
        )
