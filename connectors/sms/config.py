"""Settings of the SMS connector; the lead maps environment variables onto this model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from connectors.http import HttpSettings
from connectors.policy import PolicySettings
from connectors.rate_limit import RateLimit

# Where the provider simulator listens in local runs and tests (`python -m connectors.simulator`).
DEFAULT_SIMULATOR_URLS = ("http://127.0.0.1:8090", "http://localhost:8090")


class SmsConfig(BaseModel):
    """Twilio-shaped provider: account, sender, callback URL, timeouts and policy."""

    model_config = ConfigDict(frozen=True)

    base_url: str = "https://api.twilio.com"
    account_sid: str = Field(min_length=1)
    auth_token: SecretStr
    # Exactly one of a sender number or a messaging service is used as the sender.
    from_number: str | None = None
    messaging_service_sid: str | None = None
    # Public URL the provider posts status callbacks to (also what signatures are checked on).
    status_callback_url: str | None = None
    # Base URLs local and test may send to; checked in the client, see `connectors.sms.gate`.
    simulator_urls: tuple[str, ...] = DEFAULT_SIMULATOR_URLS
    # Message segments per second one sender may send: Twilio documents 1 for a US/Canada
    # long code (twilio.com/docs/api/errors/30001); toll-free and short codes allow more.
    sender_rate_limit: RateLimit = RateLimit(limit=1, period_seconds=1, even=True)
    # How long a send waits for its sender's slot before RateLimited (the flow defers the
    # message). Over two periods, so a backlog always has a send waiting for the next window.
    max_sender_wait_seconds: float = Field(default=2.5, ge=0)
    http: HttpSettings = Field(default_factory=HttpSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)

    @model_validator(mode="after")
    def _one_sender(self) -> SmsConfig:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("set exactly one of from_number or messaging_service_sid")
        return self
