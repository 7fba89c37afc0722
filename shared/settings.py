"""Process settings: read from the environment once at start-up and validated.

A setting that is missing or malformed stops the process with one line naming
the variable (see `shared.process.load_settings_or_exit`). Secrets are
`SecretStr` so they never show up in a repr, a log line or an error.

Local and test run on defaults that point at this machine (the provider
simulator, localhost). Staging and production have no such defaults: a deployed
role must be given every setting in `DEPLOYED_REQUIRED`, and every secret must
be at least `MIN_SECRET_LENGTH` characters and neither a placeholder nor its
local default. The checks run once, on the environment with the Secrets Manager
overlay applied.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody set this": refused for secrets in staging and production.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "placeholder", "secret", "password", "xxx", "todo"}
)

# Settings whose local default would point a deployed role at this machine: in staging and
# production each must be set (to something else than that default).
DEPLOYED_REQUIRED = (
    "gateway_internal_url",
    "public_webhook_base_url",
    "sms_base_url",
    "sms_from_number",
    "sms_account_sid",
    "aggregation_base_url",
    "aggregation_client_id",
    "scheduling_base_url",
    "scheduling_organization_uri",
    "webapp_base_url",
    "email_from_address",
)
# Tokens, passwords and keys in staging and production: at least this long, as random ones are.
MIN_SECRET_LENGTH = 32
# Secrets that are URLs with credentials inside: their length says nothing of their strength.
_CREDENTIAL_URLS = frozenset({"database_url", "amqp_url", "sentry_dsn"})


class AppEnv(StrEnum):
    """Where the process runs; only staging and production may reach real members."""

    LOCAL = "local"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"

    @property
    def is_deployed(self) -> bool:
        """True where real members and real providers are involved."""
        return self in (AppEnv.STAGING, AppEnv.PRODUCTION)


class Settings(BaseSettings):
    """Every setting of every role; each role reads only what it needs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    app_env: AppEnv = AppEnv.LOCAL
    database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/origin")
    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    port: int | None = Field(default=None, ge=1, le=65535)
    host: str = "0.0.0.0"  # noqa: S104 - containers listen on every interface
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    sentry_dsn: SecretStr | None = None
    new_relic_license_key: SecretStr | None = None
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    secrets_manager_secret_id: str | None = None

    db_pool_max_size: int = Field(default=10, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=5_000, ge=100)
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    # ECS stops a task 30 s after SIGTERM; finishing in-flight work must fit well inside.
    shutdown_timeout_seconds: float = Field(default=20.0, gt=0, lt=30)
    # Keep answering (health says draining) so the load balancer deregisters us first.
    drain_seconds: float = Field(default=0.0, ge=0, lt=25)
    health_check_timeout_seconds: float = Field(default=0.8, gt=0, le=5)
    # Publish committed outbox rows from this process. Any one relaying role publishes every
    # role's rows (LISTEN outbox wakes each of them on commit); turn it off where the loop
    # must stay free for requests (gateway web: the webhook intake), never on every role.
    outbox_relay_enabled: bool = True

    # --- bff <-> gateway -------------------------------------------------------------
    gateway_internal_url: str = "http://127.0.0.1:8081"
    internal_service_token: SecretStr = SecretStr("local-internal-service-token")
    # Base URL providers use to reach our webhooks (the load balancer's, never a Host header).
    public_webhook_base_url: str = "http://127.0.0.1:8081"
    # Server-rendered ops page on the gateway (HTTP Basic, user "ops").
    ops_password: SecretStr = SecretStr("local-ops-password")

    # --- advisor sessions (bff) ------------------------------------------------------
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    # Fernet key(s), comma-separated, newest first: encrypt TOTP secrets at rest.
    mfa_secret_encryption_keys: SecretStr = SecretStr(
        "bG9jYWwtb25seS1tZmEtc2VjcmV0LWtleS0zMmJ5dGU="
    )
    # Every console user must sign in with MFA (admins always must); unset: production only.
    mfa_required: bool | None = None

    # --- providers (defaults point at the local simulator) ---------------------------
    sms_base_url: str = "http://127.0.0.1:8090"
    sms_account_sid: str = "AC" + "0" * 31 + "1"
    sms_auth_token: SecretStr = SecretStr("simulator-twilio-auth-token")
    sms_from_number: str = "+15005550006"
    # A send still `sending` this long is reconciled with the provider's message list. Must
    # exceed the longest a worker can spend on one send (timeouts and retries included).
    sms_reconcile_after_seconds: int = Field(default=120, ge=15)
    # A message `sent` this long without a final status report is looked up by its sid (status
    # callbacks are posted once; one that met an outage is lost). Asked again after as long.
    sms_status_reconcile_after_seconds: int = Field(default=900, ge=15)
    # Message segments per second the sender may send, shared by every worker: Twilio's 1 for
    # a US long code; raise it for a toll-free number (3) or short code (100).
    sms_sender_messages_per_second: int = Field(default=1, ge=1, le=1000)
    aggregation_base_url: str = "http://127.0.0.1:8090"
    aggregation_client_id: str = "simulator-plaid-client-id"
    aggregation_secret: SecretStr = SecretStr("simulator-plaid-secret")
    # Fernet key(s), comma-separated, newest first: encrypts aggregation access tokens at rest.
    access_token_encryption_keys: SecretStr = SecretStr(
        "bG9jYWwtb25seS1hY2Nlc3MtdG9rZW4ta2V5LTMyYig="
    )
    # Bookings provider (Calendly; `connectors.bookings`): the SCHEDULING_* names are the
    # deployment contract (terraform lists them) and stay.
    scheduling_base_url: str = "http://127.0.0.1:8090"
    scheduling_api_token: SecretStr = SecretStr("simulator-calendly-token")
    scheduling_webhook_signing_key: SecretStr = SecretStr("simulator-calendly-signing-key")
    # Organization URI our booking webhook subscription belongs to (GET /users/me tells it).
    scheduling_organization_uri: str = "http://127.0.0.1:8090/organizations/SIMORG0000000001"

    # --- email (sign-up verification; sent by the gateway worker through SES) -----------
    # Public URL of the console: links in emails point at its pages.
    webapp_base_url: str = "http://localhost:3000"
    email_from_address: str = "no-reply@origin.local"

    # --- files ---------------------------------------------------------------------------
    files_bucket: str = "origin-local-files"
    eligibility_termination_guard_ratio: float = Field(default=0.2, ge=0, le=1)

    # --- retention (scheduler) -------------------------------------------------------
    outbox_retention_days: int = Field(default=7, ge=1)
    inbox_retention_days: int = Field(default=30, ge=1)
    webhook_event_retention_days: int = Field(default=30, ge=1)

    @field_validator("mfa_secret_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        from cryptography.fernet import Fernet

        keys = [key.strip() for key in value.get_secret_value().split(",") if key.strip()]
        try:
            if not keys:
                raise ValueError
            for key in keys:
                Fernet(key)
        except ValueError:
            raise ValueError(
                "must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated"
            ) from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_local_values_when_deployed(self) -> Settings:
        if not self.app_env.is_deployed:
            return self
        problems = [*self._missing_required(), *self._weak_secrets()]
        if "guest:guest@" in self.amqp_url.get_secret_value():
            problems.append("AMQP_URL uses the default guest account")
        if problems:
            raise ValueError("; ".join(problems) + f", refused in {self.app_env}")
        return self

    def _missing_required(self) -> list[str]:
        """Required settings left unset, empty or at their local default, in one message."""
        fields = type(self).model_fields
        missing = [
            name.upper()
            for name in DEPLOYED_REQUIRED
            if name not in self.model_fields_set
            or not str(getattr(self, name)).strip()
            or getattr(self, name) == fields[name].default
        ]
        if not missing:
            return []
        return [f"{', '.join(missing)}: required (the local default points at this machine)"]

    def _weak_secrets(self) -> list[str]:
        """Secrets that are empty, placeholders, local defaults, or too short to be random."""
        problems = []
        for name, value in self:
            if not isinstance(value, SecretStr):
                continue
            secret = value.get_secret_value()
            default = type(self).model_fields[name].default
            if secret.strip().lower() in PLACEHOLDER_SECRETS or (
                isinstance(default, SecretStr) and secret == default.get_secret_value()
            ):
                problems.append(f"{name.upper()} is empty, a placeholder or the local default")
            elif name not in _CREDENTIAL_URLS and len(secret) < MIN_SECRET_LENGTH:
                problems.append(f"{name.upper()} is shorter than {MIN_SECRET_LENGTH} characters")
        return problems

    @property
    def mfa_required_for_everyone(self) -> bool:
        """MFA_REQUIRED, or (unset) true in production only; admins need MFA regardless."""
        if self.mfa_required is not None:
            return self.mfa_required
        return self.app_env is AppEnv.PRODUCTION

    def port_for(self, default: int) -> int:
        """The role's port: `PORT` when set, else the role's own default."""
        return self.port if self.port is not None else default


class _Bootstrap(BaseSettings):
    """What locating the Secrets Manager secret needs, read before anything is checked."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    secrets_manager_secret_id: str | None = None
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None


class ConfigurationError(Exception):
    """Settings are unusable; the message names the variable and never its value."""


def load_settings() -> Settings:
    """Read settings from the environment overlaid by the Secrets Manager secret, if one is set.

    Validation runs once, after the overlay: a deployed role whose secrets and
    required settings live only in the secret starts.
    """
    from shared.secrets import SecretsError, read_secret_overlay

    try:
        bootstrap = _Bootstrap()
        known: dict[str, str] = {}
        if bootstrap.secrets_manager_secret_id:
            overlay = read_secret_overlay(
                bootstrap.secrets_manager_secret_id,
                region=bootstrap.aws_region,
                endpoint_url=bootstrap.aws_endpoint_url,
            )
            known = {key: value for key, value in overlay.items() if key in Settings.model_fields}
        settings = Settings(**known)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None
    except SecretsError as exc:
        raise ConfigurationError(f"SECRETS_MANAGER_SECRET_ID: {exc}") from None
    return settings


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the variable, never echoing the offending value."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        variable = ".".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{variable}: {message}" if variable else message)
    return "; ".join(parts)
