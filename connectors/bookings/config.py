"""Settings of the bookings connector; the lead maps environment variables onto this model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.http import HttpSettings
from connectors.policy import PolicySettings


class SchedulingConfig(BaseModel):
    """Calendly-shaped provider: API base, personal access / OAuth token, timeouts, policy."""

    model_config = ConfigDict(frozen=True)

    base_url: str = "https://api.calendly.com"
    api_token: SecretStr
    http: HttpSettings = Field(default_factory=HttpSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
