"""What the email connector sends and what the provider answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutgoingEmail:
    """One message to one address, already rendered by the feature that owns its copy."""

    to_address: str
    subject: str
    text_body: str
    html_body: str | None = None

    def __repr__(self) -> str:
        # The address is PII and the body can hold a sign-up link: keep both out of logs.
        return f"OutgoingEmail(subject={self.subject!r})"


@dataclass(frozen=True)
class SentEmail:
    """The provider accepted the message under this id."""

    message_id: str
