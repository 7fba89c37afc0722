"""The one place where connectors are built from settings, opened and closed.

Web and worker both call `open_providers(settings)` from a `cleanup_ctx`, so
every HTTP client is opened once per process and closed on shutdown. The
URLs providers call back are built from `PUBLIC_WEBHOOK_BASE_URL` (what the
load balancer exposes), never from a request's Host header.

The providers' documented rate limits are counted in Postgres
(`connectors.rate_limit.SharedLimiter`) through a small pool of their own: a
handler calling a provider already holds a connection of the main pool.

Each provider's connector module is imported where it is opened, not here: the
worker opens (and so imports) only the connectors its consumers ask for
(`WorkerConnectors`), so an eligibility-only worker never loads the SMS
templates or the aggregation models.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import SecretStr

from connectors.errors import ConnectorError
from connectors.policy import ProviderPolicy
from connectors.rate_limit import DeclaredLimit, RateLimit, SharedLimiter
from shared.database import Pool, create_pool
from shared.settings import Settings
from shared.web.keys import SETTINGS

if TYPE_CHECKING:
    import httpx

    from connectors.aggregation import (
        AccessTokenCipher,
        AggregationConfig,
        PlaidClient,
        PlaidWebhookVerifier,
    )
    from connectors.bookings import CalendlyClient, CalendlySignatureVerifier, SchedulingConfig
    from connectors.email import EmailConfig, EmailSender, SesEmailSender
    from connectors.sms import SmsConfig, SmsSender, TwilioSignatureValidator, TwilioSmsClient

log = logging.getLogger(__name__)

TWILIO_WEBHOOK_PATH = "/webhooks/twilio"
PLAID_WEBHOOK_PATH = "/webhooks/plaid"
CALENDLY_WEBHOOK_PATH = "/webhooks/calendly"


def public_url(settings: Settings, path: str) -> str:
    """The URL providers use to reach `path` on the gateway."""
    return settings.public_webhook_base_url.rstrip("/") + path


def sms_config(settings: Settings) -> SmsConfig:
    """The SMS connector's config; status callbacks go to our public Twilio webhook.

    Outside staging and production the configured base URL is added to the
    simulator allow-list (tests run the simulator on a free port); the connector
    still refuses the real provider's hosts there whatever the list says.
    """
    from connectors.sms import DEFAULT_SIMULATOR_URLS, SmsConfig

    simulator_urls: tuple[str, ...] = DEFAULT_SIMULATOR_URLS
    if not settings.app_env.is_deployed:
        simulator_urls = (*DEFAULT_SIMULATOR_URLS, settings.sms_base_url)
    return SmsConfig(
        base_url=settings.sms_base_url,
        account_sid=settings.sms_account_sid,
        auth_token=settings.sms_auth_token,
        from_number=settings.sms_from_number,
        status_callback_url=public_url(settings, TWILIO_WEBHOOK_PATH),
        simulator_urls=simulator_urls,
        sender_rate_limit=RateLimit(
            limit=settings.sms_sender_messages_per_second, period_seconds=1, even=True
        ),
    )


def email_config(settings: Settings) -> EmailConfig:
    """The email connector's config: SES in the region, moto's at AWS_ENDPOINT_URL locally.

    Outside staging and production the configured endpoint is added to the stand-in
    allow-list (tests run moto on a free port); the connector still refuses AWS hosts
    there whatever the list says.
    """
    from connectors.email import DEFAULT_STAND_IN_URLS, EmailConfig

    stand_ins: tuple[str, ...] = DEFAULT_STAND_IN_URLS
    if not settings.app_env.is_deployed and settings.aws_endpoint_url:
        stand_ins = (*DEFAULT_STAND_IN_URLS, settings.aws_endpoint_url)
    return EmailConfig(
        from_address=settings.email_from_address,
        region=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
        stand_in_urls=stand_ins,
    )


def aggregation_config(settings: Settings) -> AggregationConfig:
    """The aggregation connector's config; item webhooks go to our public Plaid webhook."""
    from connectors.aggregation import AggregationConfig

    return AggregationConfig(
        base_url=settings.aggregation_base_url,
        client_id=settings.aggregation_client_id,
        secret=settings.aggregation_secret,
        webhook_url=public_url(settings, PLAID_WEBHOOK_PATH),
    )


def scheduling_config(settings: Settings) -> SchedulingConfig:
    """The scheduling connector's config."""
    from connectors.bookings import SchedulingConfig

    return SchedulingConfig(
        base_url=settings.scheduling_base_url, api_token=settings.scheduling_api_token
    )


def token_cipher(settings: Settings) -> AccessTokenCipher:
    """Encrypts aggregation access tokens at rest; the first key encrypts, all decrypt."""
    from connectors.aggregation import AccessTokenCipher

    keys = settings.access_token_encryption_keys.get_secret_value().split(",")
    return AccessTokenCipher([SecretStr(key.strip()) for key in keys if key.strip()])


@dataclass(frozen=True)
class Providers:
    """Open connector clients and webhook verifiers of one process."""

    sms: SmsSender
    email: EmailSender
    aggregation: PlaidClient
    scheduling: CalendlyClient
    cipher: AccessTokenCipher
    twilio_signatures: TwilioSignatureValidator
    plaid_webhooks: PlaidWebhookVerifier
    calendly_signatures: CalendlySignatureVerifier
    policies: tuple[ProviderPolicy, ...]
    # The providers' documented limits these clients keep to (shown on /ops).
    limits: tuple[DeclaredLimit, ...] = ()


PROVIDERS = web.AppKey("providers", Providers)
# Short transactions that must commit apart from a handler's own (claims before a send).
CLAIMS_POOL = web.AppKey("claims_pool", Pool)
CLAIMS_POOL_SIZE = 4
# Connections for the shared rate limiter (one short statement per provider call).
LIMITER_POOL = web.AppKey("limiter_pool", Pool)
LIMITER_POOL_SIZE = 4


def _policy(
    provider: str, config: SmsConfig | AggregationConfig, limiter_pool: Pool | None
) -> ProviderPolicy | None:
    """The provider's policy with a limiter shared through Postgres (None: count locally)."""
    if limiter_pool is None:
        return None
    return ProviderPolicy(provider, config.policy, limiter=SharedLimiter(limiter_pool, provider))


async def open_sms(
    stack: AsyncExitStack,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter_pool: Pool | None = None,
) -> TwilioSmsClient:
    """The SMS connector, open until `stack` closes."""
    from connectors.sms import open_sms_client

    config = sms_config(settings)
    return await stack.enter_async_context(
        open_sms_client(
            config,
            app_env=settings.app_env,
            transport=transport,
            policy=_policy("twilio", config, limiter_pool),
        )
    )


async def open_email(stack: AsyncExitStack, settings: Settings) -> SesEmailSender:
    """The email connector (SES), open until `stack` closes."""
    from connectors.email import SesEmailSender

    email = await stack.enter_async_context(
        SesEmailSender(email_config(settings), app_env=settings.app_env)
    )
    if not settings.app_env.is_deployed and settings.aws_endpoint_url:
        await _register_local_sender(email)
    return email


async def open_aggregation(
    stack: AsyncExitStack,
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter_pool: Pool | None = None,
) -> PlaidClient:
    """The aggregation connector, open until `stack` closes."""
    from connectors.aggregation import open_aggregation_client

    config = aggregation_config(settings)
    return await stack.enter_async_context(
        open_aggregation_client(
            config, transport=transport, policy=_policy("plaid", config, limiter_pool)
        )
    )


@asynccontextmanager
async def open_providers(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter_pool: Pool | None = None,
) -> AsyncIterator[Providers]:
    """Every connector with its own HTTP client, closed when the block ends.

    With `limiter_pool`, provider limits are shared with every replica through Postgres;
    without it each process counts its own calls.
    """
    from connectors.aggregation import PlaidWebhookVerifier
    from connectors.bookings import CalendlySignatureVerifier, open_scheduling_client
    from connectors.sms import TwilioSignatureValidator

    async with AsyncExitStack() as stack:
        sms = await open_sms(stack, settings, transport=transport, limiter_pool=limiter_pool)
        email = await open_email(stack, settings)
        aggregation = await open_aggregation(
            stack, settings, transport=transport, limiter_pool=limiter_pool
        )
        scheduling = await stack.enter_async_context(
            open_scheduling_client(scheduling_config(settings), transport=transport)
        )
        yield Providers(
            sms=sms,
            email=email,
            aggregation=aggregation,
            scheduling=scheduling,
            cipher=token_cipher(settings),
            twilio_signatures=TwilioSignatureValidator(settings.sms_auth_token),
            # The verification key is fetched through the client (its policy) and cached.
            plaid_webhooks=PlaidWebhookVerifier(aggregation.get_webhook_verification_key),
            calendly_signatures=CalendlySignatureVerifier(settings.scheduling_webhook_signing_key),
            policies=(sms.policy, email.policy, aggregation.policy, scheduling.policy),
            limits=(*sms.declared_limits(), *aggregation.declared_limits()),
        )


class WorkerConnectors:
    """The worker's connectors, each opened (and its module imported) when a consumer asks.

    The worker's consumer factory awaits the ones its consumers use; they close
    with the worker. `policies` are the opened connectors' (the switch poller
    reports their breakers).
    """

    def __init__(self, settings: Settings, stack: AsyncExitStack, limiter_pool: Pool) -> None:
        self._settings = settings
        self._stack = stack
        self._limiter_pool = limiter_pool
        self._sms: TwilioSmsClient | None = None
        self._email: SesEmailSender | None = None
        self._aggregation: PlaidClient | None = None

    async def sms(self) -> SmsSender:
        if self._sms is None:
            self._sms = await open_sms(self._stack, self._settings, limiter_pool=self._limiter_pool)
        return self._sms

    async def email(self) -> EmailSender:
        if self._email is None:
            self._email = await open_email(self._stack, self._settings)
        return self._email

    async def aggregation(self) -> PlaidClient:
        if self._aggregation is None:
            self._aggregation = await open_aggregation(
                self._stack, self._settings, limiter_pool=self._limiter_pool
            )
        return self._aggregation

    def cipher(self) -> AccessTokenCipher:
        return token_cipher(self._settings)

    @property
    def policies(self) -> tuple[ProviderPolicy, ...]:
        opened = (self._sms, self._email, self._aggregation)
        return tuple(connector.policy for connector in opened if connector is not None)


WORKER_CONNECTORS = web.AppKey("worker_connectors", WorkerConnectors)


async def _register_local_sender(email: SesEmailSender) -> None:
    """Locally (moto's SES) the sender must exist before anything is sent; a miss is logged."""
    try:
        await email.ensure_sender_identity()
    except ConnectorError as exc:
        log.warning(
            "could not register the email sender on the local SES stand-in",
            extra={"error_type": type(exc).__name__, "code": exc.code},
        )


async def _limiter_pool(settings: Settings) -> Pool:
    return await create_pool(
        settings.database_url.get_secret_value(),
        max_size=LIMITER_POOL_SIZE,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-gateway-rate-limits",
    )


async def providers_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: open the connectors (and the limiter's pool), close them on shutdown."""
    settings = app[SETTINGS]
    pool = await _limiter_pool(settings)
    app[LIMITER_POOL] = pool
    try:
        async with open_providers(settings, limiter_pool=pool) as providers:
            app[PROVIDERS] = providers
            yield
    finally:
        pool.close()
        await pool.wait_closed()


async def worker_connectors_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx` of the worker: connectors opened on request, all closed on shutdown."""
    settings = app[SETTINGS]
    pool = await _limiter_pool(settings)
    app[LIMITER_POOL] = pool
    try:
        async with AsyncExitStack() as stack:
            app[WORKER_CONNECTORS] = WorkerConnectors(settings, stack, pool)
            yield
    finally:
        pool.close()
        await pool.wait_closed()


async def claims_pool_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx` of the worker: the small pool for claims (see `gateway.sms.flows`)."""
    settings = app[SETTINGS]
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        max_size=CLAIMS_POOL_SIZE,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name="origin-gateway-worker-claims",
    )
    app[CLAIMS_POOL] = pool
    yield
    pool.close()
    await pool.wait_closed()
