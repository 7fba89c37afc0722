"""Simulator settings: `SIMULATOR_*` environment variables (and `PORT`), local fakes by default.

The defaults are fake credentials for a local tool; the connectors under test
are configured with the same values so the signatures they check line up.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 8090


class SimulatorConfig(BaseSettings):
    """Where the simulator listens, whom it calls back, and the fake credentials it honours."""

    model_config = SettingsConfigDict(
        env_prefix="SIMULATOR_", extra="ignore", frozen=True, case_sensitive=False
    )

    port: int = Field(
        default=DEFAULT_PORT,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("PORT", "SIMULATOR_PORT"),
    )
    host: str = "127.0.0.1"
    # Used for links it hands out (the hosted link page); defaults to http://{host}:{port}.
    public_base_url: str | None = None
    # Where webhooks go when a request names no callback URL of its own.
    gateway_webhook_base_url: str = "http://127.0.0.1:8081"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    seed: int = 42

    twilio_account_sid: str = "AC" + "0" * 31 + "1"
    twilio_auth_token: SecretStr = SecretStr("simulator-twilio-auth-token")
    # Scripted recipients: messages to these numbers end failed / undelivered.
    sms_failed_numbers: frozenset[str] = frozenset({"+15005550001"})
    sms_undelivered_numbers: frozenset[str] = frozenset({"+15005550002"})
    # Refused at send time as Twilio does: 21610 (recipient replied STOP), 21614 (not a mobile).
    sms_unsubscribed_numbers: frozenset[str] = frozenset({"+15005550004"})
    sms_not_mobile_numbers: frozenset[str] = frozenset({"+15005550009"})
    # Messages per second one sender may send; more in any 1 s window answer 429 / 20429.
    # Off by default (Twilio itself queues beyond a sender's rate); the backlog benchmark sets it
    # so an overshoot of our own limiter shows as 429s.
    sms_sender_limit_per_second: int | None = Field(default=None, ge=1)
    # Pause between two status callbacks of one message.
    sms_status_delay_seconds: float = Field(default=0.2, ge=0, le=60)

    plaid_client_id: str = "simulator-plaid-client-id"
    plaid_secret: SecretStr = SecretStr("simulator-plaid-secret")
    plaid_environment: str = "sandbox"
    transactions_per_account: int = Field(default=40, ge=0, le=10_000)

    calendly_api_token: SecretStr = SecretStr("simulator-calendly-token")
    # Used when a subscription is created without its own signing key.
    calendly_signing_key: SecretStr = SecretStr("simulator-calendly-signing-key")

    # How long a fault rule with `hang` holds a request (unless the simulator stops first).
    max_hang_seconds: float = Field(default=60.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def base_url(self) -> str:
        """The simulator's own URL as callers reach it."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"
