"""A Twilio-shaped SMS client: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.

Form body `To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`;
HTTP Basic auth with the account SID and auth token. The provider takes no
idempotency key, so a send is retried only after failures that prove the
request was not processed (connection refused, 429, 503), never after a
timeout or a 500 that may already have sent the message.

The environment gate (`connectors.sms.gate`) runs before every send. Each
send takes one slot per message segment in its sender's bucket
(`SmsConfig.sender_rate_limit`), shared by every replica when the policy has
a shared limiter: Twilio queues what a sender sends beyond its rate, so a
backlog sent faster only waits in the provider's queue, out of our sight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx

from connectors.errors import ConnectorError
from connectors.http import ProviderHttp, build_http_client, error_for_status, read_json, read_model
from connectors.policy import ProviderPolicy
from connectors.rate_limit import DeclaredLimit, Quota
from connectors.sms.config import SmsConfig
from connectors.sms.gate import SmsGate
from connectors.sms.models import SentMessage
from shared.settings import AppEnv

PROVIDER = "twilio"
SENDER_LIMIT_SOURCE = "twilio.com/docs/api/errors/30001 (US long code: 1 segment/s)"


def segments(body: str) -> int:
    """How many segments the provider splits `body` into (GSM-7 160/153, else UCS-2 70/67)."""
    single, part = (160, 153) if all(ord(c) < 128 for c in body) else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


def _classify(response: httpx.Response, operation: str) -> ConnectorError | None:
    # Error bodies look like {"code": 21211, "message": "...", "status": 400}; the message can
    # quote the phone number, so only the code is kept.
    try:
        code = read_json(response).get("code")
    except (ValueError, AttributeError):
        return None
    return error_for_status(response, PROVIDER, operation, code=str(code) if code else None)


class TwilioSmsClient:
    """Sends SMS through a Twilio-shaped provider (or its simulator, outside deployments)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        config: SmsConfig,
        *,
        app_env: AppEnv,
        policy: ProviderPolicy | None = None,
    ) -> None:
        self.config = config
        self.gate = SmsGate(app_env, config.simulator_urls)
        self.policy = policy or ProviderPolicy(PROVIDER, config.policy)
        self._http = ProviderHttp(http, provider=PROVIDER, settings=config.http, classify=_classify)
        self._auth = httpx.BasicAuth(config.account_sid, config.auth_token.get_secret_value())
        self._messages_url = (
            f"{config.base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{quote(config.account_sid, safe='')}/Messages.json"
        )

    def __repr__(self) -> str:
        return f"TwilioSmsClient(base_url={self.config.base_url!r}, app_env={self.gate.app_env})"

    async def send(
        self, to: str, body: str, *, status_callback_url: str | None = None
    ) -> SentMessage:
        """Send `body` to `to`; outside staging/production only the simulator may receive it."""
        operation = "messages.create"
        self.gate.check(self._messages_url, provider=PROVIDER, operation=operation)
        form: dict[str, Any] = {"To": to, "Body": body}
        if self.config.messaging_service_sid is not None:
            form["MessagingServiceSid"] = self.config.messaging_service_sid
        else:
            form["From"] = self.config.from_number
        callback = status_callback_url or self.config.status_callback_url
        if callback:
            form["StatusCallback"] = callback
        sender = self.config.messaging_service_sid or self.config.from_number or ""
        quota = Quota(
            f"sender:{sender}",
            self.config.sender_rate_limit,
            max_wait=self.config.max_sender_wait_seconds,
        )

        async def attempt() -> SentMessage:
            response = await self._http.request(
                operation, "POST", self._messages_url, data=form, auth=self._auth
            )
            return read_model(response, SentMessage, PROVIDER, operation)

        return await self.policy.run(
            operation, attempt, idempotent=False, quotas=[quota] * segments(body)
        )

    def declared_limits(self) -> list[DeclaredLimit]:
        """The provider limits this client keeps to, for the ops page."""
        return [
            DeclaredLimit(
                PROVIDER,
                "messages.create",
                "per sender",
                self.config.sender_rate_limit,
                SENDER_LIMIT_SOURCE,
            )
        ]


@asynccontextmanager
async def open_sms_client(
    config: SmsConfig,
    *,
    app_env: AppEnv,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: ProviderPolicy | None = None,
) -> AsyncIterator[TwilioSmsClient]:
    """A client with its own HTTP connection pool, closed on exit (fits aiohttp's cleanup_ctx)."""
    async with build_http_client(config.http, transport=transport) as http:
        yield TwilioSmsClient(http, config, app_env=app_env, policy=policy)
