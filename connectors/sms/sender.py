"""What the gateway needs from an SMS provider, so tests can hand in a fake."""

from __future__ import annotations

from typing import Protocol

from connectors.http import RequestProgress
from connectors.sms.models import SentMessage


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
