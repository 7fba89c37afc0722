"""Settings of the email connector; the gateway maps environment variables onto this model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.policy import PolicySettings
from connectors.rate_limit import RateLimit

# Where moto's server listens in local runs (`scripts/local-s3.sh`); tests add their own port.
DEFAULT_STAND_IN_URLS = ("http://127.0.0.1:5000", "http://localhost:5000")


def _ses_policy() -> PolicySettings:
    # SES's default sending quota in a region is 14 messages per second.
    return PolicySettings(rate_limit=RateLimit(limit=14, period_seconds=1.0))


class EmailConfig(BaseModel):
    """Amazon SES (v2 API): sender, region, endpoint (moto locally), timeouts and policy."""

    model_config = ConfigDict(frozen=True)

    from_address: str = Field(min_length=3)
    region: str = "us-east-1"
    # None means AWS itself; locally and in tests, moto's server (e.g. http://127.0.0.1:5000).
    endpoint_url: str | None = None
    # None means the default credential chain (the ECS task role in AWS).
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    # Endpoints local and test may send to; checked before every send, see `connectors.email.gate`.
    stand_in_urls: tuple[str, ...] = DEFAULT_STAND_IN_URLS
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    # Threads running boto3 calls, and HTTP connections boto3 keeps.
    max_workers: int = Field(default=4, ge=1, le=64)
    policy: PolicySettings = Field(default_factory=_ses_policy)
