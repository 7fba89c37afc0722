"""The Twilio Messages API subset: send an SMS, read it back, and call back with its status.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (HTTP Basic auth with
the account sid and auth token, form body `To`, `From` or
`MessagingServiceSid`, `Body`, `StatusCallback`) answers 201 with the message
resource in status `queued`. Like Twilio, no callback is sent for that initial
status; then, after small delays, the simulator posts form-encoded status
callbacks signed with `X-Twilio-Signature` to the `StatusCallback` URL:
`sent` then `delivered`, or `failed` / `sent` then `undelivered` for the
scripted numbers of the config. Every message is recorded for
`GET /_admin/sms` (with the time it arrived), as are the sends refused for a
sender going over `sms_sender_limit_per_second` (429, error 20429). Errors have
Twilio's REST error shape (`code`, `message`, `more_info`, `status`); checked
against the official SDK in tests/contract_providers.

`GET .../Messages.json` is Twilio's "Read multiple Message resources": filters
`To`, `From`, `DateSent` / `DateSent<` / `DateSent>` (GMT, date-granular: on,
on-or-before, on-or-after that day; a message not sent yet has no
`date_sent` and matches no DateSent filter), newest first, `PageSize`
(default 50, at most 1000), and pages linked by `next_page_uri` with a
`PageToken` (the page envelope: `messages`, `page`, `page_size`, `start`,
`end`, `uri`, `first_page_uri`, `next_page_uri`, `previous_page_uri`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import re
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from connectors.simulator.config import SimulatorConfig
from connectors.simulator.keys import CONFIG, RANDOM, WEBHOOKS
from connectors.simulator.signing import twilio_signature
from connectors.simulator.webhooks import WebhookSender

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Error codes Twilio reports on callbacks for the scripted outcomes.
FAILED_ERROR_CODE = "30008"
UNDELIVERED_ERROR_CODE = "30003"


@dataclass
class Message:
    """A message the simulator was asked to send, with its current status."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    created: datetime
    status: str = "queued"
    sent: datetime | None = None
    updated: datetime = field(init=False)
    error_code: str | None = None
    # When the request arrived (epoch seconds), for measuring the rate a sender achieved.
    received_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.updated = self.created

    def resource(self) -> dict[str, Any]:
        """The message resource as the Messages API returns it."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": format_datetime(self.created),
            "date_sent": format_datetime(self.sent) if self.sent else None,
            "date_updated": format_datetime(self.updated),
            "direction": "outbound-api",
            "error_code": int(self.error_code) if self.error_code else None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(self.body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass
class TwilioState:
    """Every message sent through the simulator, oldest first, and the sends it throttled."""

    messages: list[Message] = field(default_factory=list)
    throttled: int = 0
    # Arrival times per sender within the last second, for `sms_sender_limit_per_second`.
    recent: dict[str, deque[float]] = field(default_factory=dict)

    def over_limit(self, sender: str, limit: int | None) -> bool:
        """Count a send for `sender`; True (and not counted) when it exceeds `limit` per second."""
        if limit is None:
            return False
        now = time.monotonic()
        window = self.recent.setdefault(sender, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            self.throttled += 1
            return True
        window.append(now)
        return False

    def find(self, sid: str) -> Message | None:
        return next((m for m in self.messages if m.sid == sid), None)


TWILIO = web.AppKey("twilio", TwilioState)


def _error(status: int, code: int, message: str) -> web.Response:
    """A Twilio REST error body."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


def _authenticated(request: web.Request, config: SimulatorConfig) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = config.twilio_auth_token.get_secret_value()
    # Compared as bytes: compare_digest refuses non-ASCII str, and callers send anything.
    same_user = hmac.compare_digest(username.encode(), config.twilio_account_sid.encode())
    return hmac.compare_digest(password.encode(), expected.encode()) and same_user


def _check_account(request: web.Request) -> web.Response | None:
    config = request.app[CONFIG]
    if not _authenticated(request, config):
        return _error(401, 20003, "Authenticate")
    if request.match_info["account_sid"] != config.twilio_account_sid:
        return _error(404, 20404, "The requested resource was not found")
    return None


async def create_message(request: web.Request) -> web.Response:
    """`POST .../Messages.json`: record the message, answer `queued`, start its progression."""
    arrived = time.time()
    refused = _check_account(request)
    if refused is not None:
        return refused
    form = await request.post()
    to = str(form.get("To", ""))
    sender = str(form["From"]) if "From" in form else None
    service = str(form["MessagingServiceSid"]) if "MessagingServiceSid" in form else None
    body = str(form.get("Body", ""))
    callback = str(form["StatusCallback"]) if "StatusCallback" in form else None
    if not to:
        return _error(400, 21604, "A 'To' phone number is required.")
    if not E164.match(to):
        return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if not sender and not service:
        return _error(400, 21603, "A 'From' phone number is required.")
    if not body:
        return _error(400, 21602, "Message body is required.")
    if len(body) > 1600:
        return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    config = request.app[CONFIG]
    if to in config.sms_unsubscribed_numbers:
        return _error(400, 21610, "Attempt to send to unsubscribed recipient")
    if to in config.sms_not_mobile_numbers:
        return _error(400, 21614, f"'To' number {to} is not a valid mobile number")
    if request.app[TWILIO].over_limit(sender or service or "", config.sms_sender_limit_per_second):
        return _error(429, 20429, "Too Many Requests")
    message = Message(
        sid="SM" + f"{request.app[RANDOM].getrandbits(128):032x}",
        account_sid=config.twilio_account_sid,
        to=to,
        from_=sender,
        messaging_service_sid=service,
        body=body,
        status_callback=callback,
        created=datetime.now(UTC).replace(microsecond=0),
        received_at=arrived,
    )
    request.app[TWILIO].messages.append(message)
    request.app[WEBHOOKS].spawn(_progress(message, config, request.app[WEBHOOKS]))
    return web.json_response(message.resource(), status=201)


async def fetch_message(request: web.Request) -> web.Response:
    """`GET .../Messages/{sid}.json`: the message as it stands now."""
    refused = _check_account(request)
    if refused is not None:
        return refused
    message = request.app[TWILIO].find(request.match_info["sid"])
    if message is None:
        return _error(404, 20404, "The requested resource was not found")
    return web.json_response(message.resource())


DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# The DateSent filters: the query key names the comparison, as twilio-python sends them.
DATE_SENT_FILTERS = {"DateSent": "eq", "DateSent<": "le", "DateSent>": "ge"}


def _filter_day(value: str) -> date | None:
    """`YYYY-MM-DD` or an ISO 8601 date-time (twilio-python sends `...T00:00:00Z`)."""
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _sent_on(message: Message, op: str, day: date) -> bool:
    if message.sent is None:
        return False
    sent = message.sent.date()
    return {"eq": sent == day, "le": sent <= day, "ge": sent >= day}[op]


async def list_messages(request: web.Request) -> web.Response:
    """`GET .../Messages.json`: the account's messages, filtered, newest first, one page."""
    refused = _check_account(request)
    if refused is not None:
        return refused
    query = request.query
    try:
        page_size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
        page = int(query.get("Page", "0"))
    except ValueError:
        return _error(400, 20001, "PageSize and Page must be integers")
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 0:
        return _error(400, 20001, f"PageSize must be between 1 and {MAX_PAGE_SIZE}")
    if page > 0 and "PageToken" not in query:
        return _error(400, 20001, "PageToken is required for a page after the first")
    filters: list[tuple[str, date]] = []
    for key, op in DATE_SENT_FILTERS.items():
        if key in query:
            day = _filter_day(query[key])
            if day is None:
                return _error(400, 20001, f"{key} must be a date (YYYY-MM-DD)")
            filters.append((op, day))
    to, sender = query.get("To"), query.get("From")
    # Newest first; messages are kept in creation order, so reversing it is exact.
    matching = [
        m
        for m in reversed(request.app[TWILIO].messages)
        if (to is None or m.to == to)
        and (sender is None or m.from_ == sender)
        and all(_sent_on(m, op, day) for op, day in filters)
    ]
    start = 0
    token = query.get("PageToken")
    if token is not None:
        after = token.removeprefix("PA")  # the last sid of the page before
        positions = [i for i, m in enumerate(matching) if m.sid == after]
        if not positions:
            return _error(400, 20001, "PageToken is not valid")
        start = positions[0] + 1
    chunk = matching[start : start + page_size]
    kept = [(k, v) for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")]
    base = request.path

    def page_uri(number: int, page_token: str | None) -> str:
        params = [*kept, ("PageSize", str(page_size)), ("Page", str(number))]
        if page_token is not None:
            params.append(("PageToken", page_token))
        return f"{base}?{urlencode(params)}"

    has_next = start + page_size < len(matching)
    body = {
        "messages": [m.resource() for m in chunk],
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": start + max(len(chunk) - 1, 0),
        "uri": page_uri(page, token),
        "first_page_uri": page_uri(0, None),
        "next_page_uri": page_uri(page + 1, "PA" + chunk[-1].sid) if has_next else None,
        # Only the first page can be asked for without a token (no backward tokens here).
        "previous_page_uri": page_uri(0, None) if page == 1 else None,
    }
    return web.json_response(body)


def _statuses(message: Message, config: SimulatorConfig) -> list[str]:
    if message.to in config.sms_failed_numbers:
        return ["failed"]
    if message.to in config.sms_undelivered_numbers:
        return ["sent", "undelivered"]
    return ["sent", "delivered"]


async def _progress(message: Message, config: SimulatorConfig, sender: WebhookSender) -> None:
    """Move the message through its statuses, calling back after each change."""
    for status in _statuses(message, config):
        await asyncio.sleep(config.sms_status_delay_seconds)
        message.status = status
        message.updated = datetime.now(UTC).replace(microsecond=0)
        if status == "sent":
            message.sent = message.updated
        if status == "failed":
            message.error_code = FAILED_ERROR_CODE
        if status == "undelivered":
            message.error_code = UNDELIVERED_ERROR_CODE
        if message.status_callback:
            await _call_back(message, config, sender)


def status_callback_params(message: Message) -> dict[str, str]:
    """The form parameters of a status callback for the message's current status."""
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
        "To": message.to,
    }
    if message.from_:
        params["From"] = message.from_
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.error_code:
        params["ErrorCode"] = message.error_code
    return params


async def _call_back(message: Message, config: SimulatorConfig, sender: WebhookSender) -> None:
    assert message.status_callback is not None
    params = status_callback_params(message)
    token = config.twilio_auth_token.get_secret_value()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(token, message.status_callback, params),
        "User-Agent": "TwilioProxy/1.1",
    }
    await sender.post(
        provider="twilio",
        kind=f"sms.{message.status}",
        url=message.status_callback,
        body=urlencode(params).encode(),
        headers=headers,
    )


async def list_sent(request: web.Request) -> web.Response:
    """`GET /_admin/sms[?to=...]`: what the simulator was asked to send, oldest first."""
    to = request.query.get("to")
    state = request.app[TWILIO]
    messages = [
        {**m.resource(), "received_at": m.received_at}
        for m in state.messages
        if to is None or m.to == to
    ]
    return web.json_response({"messages": messages, "throttled": state.throttled})


def setup(app: web.Application) -> None:
    """Add the Twilio state and routes to the simulator app."""
    app[TWILIO] = TwilioState()
    base = f"/{API_VERSION}/Accounts/{{account_sid}}"
    app.router.add_post(f"{base}/Messages.json", create_message)
    app.router.add_get(f"{base}/Messages.json", list_messages)
    app.router.add_get(f"{base}/Messages/{{sid}}.json", fetch_message)
    app.router.add_get("/_admin/sms", list_sent)
