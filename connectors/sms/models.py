"""What the SMS provider answers and what its status callbacks say."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


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


class StatusCallback(BaseModel):
    """A status callback's parameters that we act on; the rest stays in the raw event."""

    model_config = ConfigDict(frozen=True)

    message_sid: str
    message_status: MessageStatus
    account_sid: str | None = None
    error_code: str | None = None

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
