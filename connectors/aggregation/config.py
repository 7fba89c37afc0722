"""Settings of the aggregation connector; the lead maps environment variables onto this model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.http import HttpSettings
from connectors.policy import PolicySettings
from connectors.rate_limit import RateLimit


class AggregationConfig(BaseModel):
    """Plaid-shaped provider: API base, client credentials, Link options, timeouts, policy."""

    model_config = ConfigDict(frozen=True)

    base_url: str = "https://sandbox.plaid.com"
    client_id: str = Field(min_length=1)
    secret: SecretStr
    client_name: str = "Origin"
    language: str = "en"
    country_codes: tuple[str, ...] = ("US",)
    products: tuple[str, ...] = ("transactions",)
    # Where the provider sends item and transactions webhooks (our public gateway URL).
    webhook_url: str | None = None
    # Balance refreshes per linked login (Item); beyond this the call surfaces RateLimited.
    balance_refresh_limit: RateLimit = RateLimit(limit=5, period_seconds=60)
    sync_page_size: int = Field(default=500, ge=1, le=500)
    # How many times one sync restarts after the data changed under its pagination.
    max_sync_restarts: int = Field(default=3, ge=0)
    http: HttpSettings = Field(default_factory=HttpSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
