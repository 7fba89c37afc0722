"""Email through Amazon SES (the v2 `SendEmail` API), boto3 kept off the event loop.

boto3 is synchronous, so every call runs on the sender's own small thread pool.
botocore's retries are off: the provider policy (`connectors.policy`) is the one
place for retries, the breaker and the outbound rate limit. SES takes no
idempotency key, so a send is retried only after failures that prove it was not
processed (connect errors, throttling, 503), never after a read timeout or a 500.

The environment gate (`connectors.email.gate`) runs before every send.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from connectors.email.config import EmailConfig
from connectors.email.errors import PROVIDER, map_botocore_error, map_client_error
from connectors.email.gate import EmailGate
from connectors.email.models import OutgoingEmail, SentEmail
from connectors.policy import ProviderPolicy
from shared.settings import AppEnv

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import BodyTypeDef

log = logging.getLogger(__name__)

T = TypeVar("T")


class SesEmailSender:
    """An `EmailSender` on Amazon SES (or moto's SES outside deployments)."""

    def __init__(
        self, config: EmailConfig, *, app_env: AppEnv, policy: ProviderPolicy | None = None
    ) -> None:
        self.config = config
        self.gate = EmailGate(app_env, config.stand_in_urls)
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._executor: ThreadPoolExecutor | None = None
        self._client: SESV2Client | None = None

    def __repr__(self) -> str:
        endpoint = self.config.endpoint_url
        return f"SesEmailSender(endpoint_url={endpoint!r}, app_env={self.gate.app_env})"

    async def open(self) -> SesEmailSender:
        """Start the thread pool and build the boto3 client (which reads files) off the loop."""
        self._executor = ThreadPoolExecutor(
            max_workers=self.config.max_workers, thread_name_prefix="ses"
        )
        self._client = await self._in_thread(self._build_client)
        return self

    async def close(self) -> None:
        """Close boto3's connections and stop the threads."""
        if self._client is not None:
            await self._in_thread(self._client.close)
            self._client = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> SesEmailSender:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _build_client(self) -> SESV2Client:
        config = self.config
        key_id, secret = config.access_key_id, config.secret_access_key
        session = boto3.session.Session(
            region_name=config.region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
        )
        return session.client(
            "sesv2",
            endpoint_url=config.endpoint_url,
            config=Config(
                connect_timeout=config.connect_timeout_seconds,
                read_timeout=config.read_timeout_seconds,
                max_pool_connections=config.max_workers,
                retries={"mode": "standard", "total_max_attempts": 1},
            ),
        )

    @property
    def client(self) -> SESV2Client:
        """The open boto3 client (tests fake the wire with botocore's `before-send` event)."""
        if self._client is None:
            raise RuntimeError("SesEmailSender used before open()")
        return self._client

    async def _in_thread(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._executor is None:
            raise RuntimeError("SesEmailSender used before open()")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    async def ensure_sender_identity(self) -> None:
        """On a local stand-in only: register the sender, which SES (and moto) require.

        Deployed identities are verified out of band (DNS records for the domain);
        the gate refuses this call anywhere but a stand-in.
        """
        operation = "create_email_identity"
        self.gate.check(self.config.endpoint_url, provider=PROVIDER, operation=operation)
        if self.gate.app_env.is_deployed:
            return
        try:
            await self._in_thread(
                self.client.create_email_identity, EmailIdentity=self.config.from_address
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "AlreadyExistsException":
                return
            raise map_client_error(exc, operation) from None
        except BotoCoreError as exc:
            raise map_botocore_error(exc, operation) from None

    async def send(self, email: OutgoingEmail) -> SentEmail:
        """Send `email` from the configured sender; outside deployments only to a stand-in."""
        operation = "send_email"
        self.gate.check(self.config.endpoint_url, provider=PROVIDER, operation=operation)
        body: BodyTypeDef = {"Text": {"Data": email.text_body, "Charset": "UTF-8"}}
        if email.html_body is not None:
            body["Html"] = {"Data": email.html_body, "Charset": "UTF-8"}

        async def attempt() -> SentEmail:
            try:
                response = await self._in_thread(
                    self.client.send_email,
                    FromEmailAddress=self.config.from_address,
                    Destination={"ToAddresses": [email.to_address]},
                    Content={
                        "Simple": {
                            "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                            "Body": body,
                        }
                    },
                )
            except ClientError as exc:
                raise map_client_error(exc, operation) from None
            except BotoCoreError as exc:
                raise map_botocore_error(exc, operation) from None
            return SentEmail(message_id=response["MessageId"])

        sent = await self.policy.run(operation, attempt, idempotent=False)
        log.info("email accepted", extra={"provider": PROVIDER, "operation": operation})
        return sent
