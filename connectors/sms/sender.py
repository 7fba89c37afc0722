"""What the gateway needs from an SMS provider (sending, reading back), so tests can fake it."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from connectors.http import RequestProgress
from connectors.sms.models import ListedMessage, SentMessage


class SmsSender(Protocol):
    """Sends one SMS and returns the provider's message record."""

    async def send(
        self,
        to: str,
        body: str,
        *,
        status_callback_url: str | None = None,
        progress: RequestProgress | None = None,
    ) -> SentMessage:
        """Send `body` to the E.164 number `to`; `progress` tells whether a request went out."""
        ...


class SmsLedger(Protocol):
    """Reads back what the provider holds, to reconcile sends whose outcome is unknown."""

    async def list_messages(self, *, to: str, sent_on_or_after: date) -> list[ListedMessage]:
        """Every message to `to` from our sender sent on or after that day, all pages."""
        ...

    async def fetch_message(self, sid: str) -> ListedMessage | None:
        """The provider's record of message `sid`; None when it has none."""
        ...
