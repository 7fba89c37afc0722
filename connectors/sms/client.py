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
from datetime import date
from typing import Any
from urllib.parse import quote, urljoin

import httpx
from pydantic import ValidationError

from connectors.errors import ConnectorError, PermanentError
from connectors.http import (
    ProviderHttp,
    RequestProgress,
    build_http_client,
    error_for_status,
    read_json,
    read_model,
)
from connectors.policy import ProviderPolicy
from connectors.rate_limit import DeclaredLimit, Quota
from connectors.sms.config import SmsConfig
from connectors.sms.gate import SmsGate
from connectors.sms.models import ListedMessage, SentMessage
from shared.settings import AppEnv

PROVIDER = "twilio"
# Pages followed by one `list_messages` call at most (a runaway `next_page_uri` stops here).
MAX_LIST_PAGES = 50
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
        self,
        to: str,
        body: str,
        *,
        status_callback_url: str | None = None,
        progress: RequestProgress | None = None,
    ) -> SentMessage:
        """Send `body` to `to`; outside staging/production only the simulator may receive it.

        `progress.written` turns true once any attempt starts writing its request.
        """
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
                operation, "POST", self._messages_url, data=form, auth=self._auth, progress=progress
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

    async def list_messages(
        self, *, to: str, sent_on_or_after: date, page_size: int = 100
    ) -> list[ListedMessage]:
        """Every message to `to` from our sender sent on or after that day (GMT), all pages.

        Twilio's "Read multiple Message resources" with `To`, `From` and
        `DateSent>`; pages are followed through `next_page_uri` until it is null,
        so the answer covers the whole window (or this raises). Reading is
        idempotent and retried like any read.
        """
        operation = "messages.list"
        self.gate.check(self._messages_url, provider=PROVIDER, operation=operation)
        params: dict[str, str] = {
            "To": to,
            "DateSent>": sent_on_or_after.isoformat(),
            "PageSize": str(page_size),
        }
        if self.config.messaging_service_sid is None and self.config.from_number:
            params["From"] = self.config.from_number
        found: list[ListedMessage] = []
        url: str | None = self._messages_url
        query: dict[str, str] | None = params
        for _ in range(MAX_LIST_PAGES):
            if url is None:
                return found
            page = await self._list_page(operation, url, query)
            found.extend(page[0])
            url, query = page[1], None
        if url is not None:
            raise PermanentError(PROVIDER, operation, f"more than {MAX_LIST_PAGES} pages")
        return found

    async def fetch_message(self, sid: str) -> ListedMessage | None:
        """`GET .../Messages/{sid}.json`: the message as the provider holds it; None if unknown."""
        operation = "messages.fetch"
        self.gate.check(self._messages_url, provider=PROVIDER, operation=operation)
        url = f"{self._messages_url.removesuffix('.json')}/{quote(sid, safe='')}.json"

        async def attempt() -> ListedMessage | None:
            try:
                response = await self._http.request(operation, "GET", url, auth=self._auth)
            except PermanentError as exc:
                if exc.status == 404:
                    return None
                raise
            return read_model(response, ListedMessage, PROVIDER, operation)

        return await self.policy.run(operation, attempt, idempotent=True)

    async def _list_page(
        self, operation: str, url: str, params: dict[str, str] | None
    ) -> tuple[list[ListedMessage], str | None]:
        async def attempt() -> tuple[list[ListedMessage], str | None]:
            response = await self._http.request(
                operation, "GET", url, params=params, auth=self._auth
            )
            try:
                body = read_json(response)
                items = body.get("messages") or []
                messages = [ListedMessage.model_validate(item) for item in items]
            except (ValueError, AttributeError, TypeError, ValidationError):
                raise PermanentError(PROVIDER, operation, "unreadable message list") from None
            next_uri = body.get("next_page_uri")
            # next_page_uri is relative to the API's host ("/2010-04-01/Accounts/...").
            return messages, urljoin(self.config.base_url, next_uri) if next_uri else None

        return await self.policy.run(operation, attempt, idempotent=True)


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
