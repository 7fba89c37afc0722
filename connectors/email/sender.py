"""What the gateway needs from an email provider, so tests can hand in a fake."""

from __future__ import annotations

from typing import Protocol

from connectors.email.models import OutgoingEmail, SentEmail
from connectors.policy import ProviderPolicy


class EmailSender(Protocol):
    """Sends one email and returns the provider's message id."""

    policy: ProviderPolicy

    async def send(self, email: OutgoingEmail) -> SentEmail:
        """Send `email`; raises a `connectors.errors.ConnectorError` when it cannot."""
        ...
