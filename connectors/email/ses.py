"""Email through Amazon SES (the v2 `SendEmail` API), boto3 kept off the event loop.

boto3 is synchronous, so every call runs on the sender's own small thread pool
(`connectors.aws_client`, shared with S3). botocore's retries are off: the provider
policy (`connectors.policy`) is the one place for retries, the breaker and the
outbound rate limit. SES takes no
idempotency key, so a send is retried only after failures that prove it was not
processed (connect errors, throttling, 503), never after a read timeout or a 500.

The environment gate (`connectors.email.gate`) runs before every send.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from connectors.aws_client import ThreadedAwsClient, aws_session, client_config
from connectors.email.config import EmailConfig
from connectors.email.errors import PROVIDER, map_client_error
from connectors.email.gate import EmailGate
from connectors.email.models import OutgoingEmail, SentEmail
from connectors.errors import PermanentError
from connectors.policy import ProviderPolicy
from shared.settings import AppEnv

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import BodyTypeDef

log = logging.getLogger(__name__)


class SesEmailSender:
    """An `EmailSender` on Amazon SES (or moto's SES outside deployments)."""

    def __init__(
        self, config: EmailConfig, *, app_env: AppEnv, policy: ProviderPolicy | None = None
    ) -> None:
        self.config = config
        self.gate = EmailGate(app_env, config.stand_in_urls)
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._aws = ThreadedAwsClient(
            self._build_client,
            provider=PROVIDER,
            map_client_error=map_client_error,
            max_workers=config.max_workers,
            owner="SesEmailSender",
        )

    def __repr__(self) -> str:
        endpoint = self.config.endpoint_url
        return f"SesEmailSender(endpoint_url={endpoint!r}, app_env={self.gate.app_env})"

    async def open(self) -> SesEmailSender:
        """Start the thread pool and build the boto3 client (which reads files) off the loop."""
        await self._aws.open()
        return self

    async def close(self) -> None:
        """Close boto3's connections and stop the threads."""
        await self._aws.close()

    async def __aenter__(self) -> SesEmailSender:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _build_client(self) -> SESV2Client:
        return aws_session(self.config).client(
            "sesv2", endpoint_url=self.config.endpoint_url, config=client_config(self.config)
        )

    @property
    def client(self) -> SESV2Client:
        """The open boto3 client (tests fake the wire with botocore's `before-send` event)."""
        return self._aws.client

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
            await self._aws.call(
                operation, self.client.create_email_identity, EmailIdentity=self.config.from_address
            )
        except PermanentError as exc:
            if exc.code != "AlreadyExistsException":
                raise

    async def send(self, email: OutgoingEmail) -> SentEmail:
        """Send `email` from the configured sender; outside deployments only to a stand-in."""
        operation = "send_email"
        self.gate.check(self.config.endpoint_url, provider=PROVIDER, operation=operation)
        body: BodyTypeDef = {"Text": {"Data": email.text_body, "Charset": "UTF-8"}}
        if email.html_body is not None:
            body["Html"] = {"Data": email.html_body, "Charset": "UTF-8"}

        async def attempt() -> SentEmail:
            response = await self._aws.call(
                operation,
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
            return SentEmail(message_id=response["MessageId"])

        sent = await self.policy.run(operation, attempt, idempotent=False)
        log.info("email accepted", extra={"provider": PROVIDER, "operation": operation})
        return sent
