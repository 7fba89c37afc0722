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
    # Plaid's published limits (Production, plaid.com/docs/errors/rate-limit-exceeded), by
    # operation. Per Item (one linked login): beyond them a call surfaces RateLimited at once,
    # so the job re-queues instead of holding a worker for up to a minute.
    item_rate_limits: dict[str, RateLimit] = Field(
        default_factory=lambda: {
            "accounts.balance.get": RateLimit(limit=5, period_seconds=60),
            "item.get": RateLimit(limit=15, period_seconds=60),
            "transactions.sync": RateLimit(limit=50, period_seconds=60),
        }
    )
    # Per client (our whole Plaid account, every replica): a call waits up to the policy's
    # `max_rate_wait_seconds` for a slot.
    client_rate_limits: dict[str, RateLimit] = Field(
        default_factory=lambda: {
            "accounts.balance.get": RateLimit(limit=1_200, period_seconds=60),
            "item.get": RateLimit(limit=5_000, period_seconds=60),
            "institutions.get_by_id": RateLimit(limit=400, period_seconds=60),
            "transactions.sync": RateLimit(limit=2_500, period_seconds=60),
        }
    )
    sync_page_size: int = Field(default=500, ge=1, le=500)
    # How many times one sync restarts after the data changed under its pagination.
    max_sync_restarts: int = Field(default=3, ge=0)
    http: HttpSettings = Field(default_factory=HttpSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
