"""The Plaid API subset: link, exchange, items, institutions, balances, sync, signed webhooks.

Every endpoint is a JSON `POST` authenticated by `client_id` and `secret` (in
the body or the `PLAID-CLIENT-ID` / `PLAID-SECRET` headers); errors use
Plaid's error object. Data is seeded (see `seed_data`). `/transactions/sync`
pages an item's update log with an opaque cursor and `has_more`; the admin
endpoint `/_admin/plaid/items/{item_id}/mutation_during_pagination` makes the
next mid-pagination call fail with `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`.
`SYNC_UPDATES_AVAILABLE` webhooks are signed as a `Plaid-Verification` ES256
JWT whose key `/webhook_verification_key/get` serves.

Fidelity to the real Sandbox: its documented institutions (`ins_109508`, ...)
and test credentials (`user_good` / `pass_good`; a password `error_<CODE>`
fails linking with that Item error); `/sandbox/item/reset_login` puts an Item
in `ITEM_LOGIN_REQUIRED` (data calls then answer that error, and an ITEM
`ERROR` webhook is sent); the per-Item rate limits of Plaid's published table
answer 429 `RATE_LIMIT_EXCEEDED` (with a `Retry-After` the real API does not
promise). Shapes are checked against the official SDK in tests/contract_providers.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from connectors.simulator import plaid_json, seed_data
from connectors.simulator.faults import Handler
from connectors.simulator.keys import CONFIG, RANDOM, WEBHOOKS
from connectors.simulator.seed_data import Account, Institution, Transaction
from connectors.simulator.signing import PlaidKeyRing
from connectors.simulator.webhooks import WebhookSender

LINK_TOKEN_TTL = timedelta(hours=4)
PUBLIC_TOKEN_TTL = timedelta(minutes=30)
SYNC_DEFAULT_COUNT = 100
SYNC_MAX_COUNT = 500
PRODUCTS = ["transactions"]


class PlaidError(Exception):
    """An error Plaid would answer with; turned into its error object by `_handle`."""

    def __init__(
        self,
        status: int,
        error_type: str,
        error_code: str,
        message: str,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.error_code = error_code
        self.message = message
        self.retry_after = retry_after

    def body(self, request_id: str) -> dict[str, Any]:
        """Plaid's error object."""
        return {
            "display_message": None,
            "documentation_url": f"https://plaid.com/docs/errors/#{self.error_code.lower()}",
            "error_code": self.error_code,
            "error_code_reason": None,
            "error_message": self.message,
            "error_type": self.error_type,
            "request_id": request_id,
            "status": self.status,
            "suggested_action": None,
        }


# Per-Item limits of Plaid's published rate-limit table (Production), by endpoint:
# (requests, per seconds, error code). plaid.com/docs/errors/rate-limit-exceeded
ITEM_RATE_LIMITS: dict[str, tuple[int, float, str]] = {
    "/accounts/balance/get": (5, 60.0, "BALANCE_LIMIT"),
    "/accounts/get": (15, 60.0, "ACCOUNTS_LIMIT"),
    "/item/get": (15, 60.0, "ITEM_GET_LIMIT"),
    "/transactions/sync": (50, 60.0, "TRANSACTIONS_SYNC_LIMIT"),
}
LOGIN_REQUIRED = "ITEM_LOGIN_REQUIRED"


@dataclass
class LinkSession:
    """A link token and what it was created with."""

    link_token: str
    client_user_id: str
    webhook: str | None
    redirect_uri: str | None
    expires: datetime


@dataclass
class Item:
    """A linked login: its access token, accounts and the log that `/transactions/sync` pages."""

    item_id: str
    access_token: str
    institution: Institution
    webhook: str | None
    accounts: list[Account]
    updates: list[tuple[str, Transaction]] = field(default_factory=list)
    mutation_failures: int = 0
    # Plaid's error object while the Item is in an error state (e.g. ITEM_LOGIN_REQUIRED).
    error: dict[str, Any] | None = None
    # Request times per endpoint, for the per-Item rate limits.
    calls: dict[str, deque[float]] = field(default_factory=dict)

    def as_plaid(self) -> dict[str, Any]:
        return {
            "available_products": ["balance"],
            "billed_products": PRODUCTS,
            "consent_expiration_time": None,
            "error": self.error,
            "institution_id": self.institution.institution_id,
            "institution_name": self.institution.name,
            "item_id": self.item_id,
            "products": PRODUCTS,
            "update_type": "background",
            "webhook": self.webhook or "",
        }


@dataclass
class PlaidState:
    """Link sessions, unexchanged public tokens, items, and the webhook signing keys."""

    keys: PlaidKeyRing
    links: dict[str, LinkSession] = field(default_factory=dict)
    public_tokens: dict[str, tuple[Item, datetime]] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)  # by access token

    def item_by_id(self, item_id: str) -> Item | None:
        return next((i for i in self.items.values() if i.item_id == item_id), None)


PLAID = web.AppKey("plaid", PlaidState)


def _request_id(rng: random.Random) -> str:
    return seed_data.plaid_id(rng, 15)


def _token(rng: random.Random, kind: str, environment: str) -> str:
    return f"{kind}-{environment}-{uuid.UUID(int=rng.getrandbits(128), version=4)}"


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON body, authenticated by client id and secret."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PlaidError(
            400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON"
        ) from None
    if not isinstance(body, dict):
        raise PlaidError(400, "INVALID_REQUEST", "INVALID_BODY", "body must be a JSON object")
    config = request.app[CONFIG]
    client_id = body.get("client_id") or request.headers.get("PLAID-CLIENT-ID")
    secret = body.get("secret") or request.headers.get("PLAID-SECRET")
    if not client_id or not secret:
        raise PlaidError(
            400, "INVALID_REQUEST", "MISSING_FIELDS", "client_id and secret are required"
        )
    if not (
        hmac.compare_digest(str(client_id).encode(), config.plaid_client_id.encode())
        and hmac.compare_digest(
            str(secret).encode(), config.plaid_secret.get_secret_value().encode()
        )
    ):
        raise PlaidError(
            400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"
        )
    return body


def _institution(body: dict[str, Any]) -> Institution:
    bank = seed_data.institution(str(body.get("institution_id", "")))
    if bank is None:
        raise PlaidError(
            400, "INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id provided"
        )
    return bank


def _item(request: web.Request, body: dict[str, Any]) -> Item:
    """The Item behind the body's access token, counted against its per-Item rate limit."""
    item = request.app[PLAID].items.get(str(body.get("access_token", "")))
    if item is None:
        raise PlaidError(
            400,
            "INVALID_INPUT",
            "INVALID_ACCESS_TOKEN",
            "provided access token is in an invalid format",
        )
    _throttle(item, request.path)
    return item


def _working_item(request: web.Request, body: dict[str, Any]) -> Item:
    """An Item whose data can be read: one in an error state answers that error."""
    item = _item(request, body)
    if item.error is not None:
        raise PlaidError(
            400, "ITEM_ERROR", str(item.error["error_code"]), str(item.error["error_message"])
        )
    return item


def _throttle(item: Item, path: str) -> None:
    limit = ITEM_RATE_LIMITS.get(path)
    if limit is None:
        return
    count, period, code = limit
    now = time.monotonic()
    calls = item.calls.setdefault(path, deque())
    while calls and calls[0] <= now - period:
        calls.popleft()
    if len(calls) >= count:
        raise PlaidError(
            429,
            "RATE_LIMIT_EXCEEDED",
            code,
            "rate limit exceeded for attempts to access this item. please try again later",
            retry_after=max(1, int(calls[0] + period - now + 0.999)),
        )
    calls.append(now)


def _login_error(code: str) -> dict[str, Any]:
    messages = {
        LOGIN_REQUIRED: "the login details of this item have changed (credentials, MFA, or"
        " required user action) and a user login is required to update this information.",
    }
    return PlaidError(
        400, "ITEM_ERROR", code, messages.get(code, f"the item could not be linked ({code})")
    ).body(request_id="")


def _link_page_url(request: web.Request, link_token: str) -> str:
    config = request.app[CONFIG]
    base = (
        config.public_base_url.rstrip("/") if config.public_base_url else str(request.url.origin())
    )
    return f"{base}/link?token={link_token}"


async def create_link_token(request: web.Request) -> web.Response:
    """`/link/token/create`: a link token for the hosted link page."""
    body = await _body(request)
    user = body.get("user")
    missing = [name for name in ("client_name", "language", "country_codes") if not body.get(name)]
    if not isinstance(user, dict) or not user.get("client_user_id"):
        missing.append("user.client_user_id")
    if missing:
        raise PlaidError(
            400, "INVALID_REQUEST", "MISSING_FIELDS", f"missing fields: {', '.join(missing)}"
        )
    config = request.app[CONFIG]
    rng = request.app[RANDOM]
    assert isinstance(user, dict)
    session = LinkSession(
        link_token=_token(rng, "link", config.plaid_environment),
        client_user_id=str(user["client_user_id"]),
        webhook=body.get("webhook"),
        redirect_uri=body.get("redirect_uri"),
        expires=datetime.now(UTC).replace(microsecond=0) + LINK_TOKEN_TTL,
    )
    request.app[PLAID].links[session.link_token] = session
    created: dict[str, Any] = {
        "expiration": session.expires.isoformat().replace("+00:00", "Z"),
        "link_token": session.link_token,
        "request_id": _request_id(rng),
    }
    if "hosted_link" in body:  # as the provider: a hosted page only when asked for one
        created["hosted_link_url"] = _link_page_url(request, session.link_token)
    return plaid_json.json_response(created)


def check_credentials(username: str, password: str) -> None:
    """Plaid's Sandbox credentials: `user_good` / `pass_good`, or `error_<CODE>` to fail."""
    if username == seed_data.SANDBOX_USERNAME and password.startswith("error_"):
        code = password.removeprefix("error_")
        raise PlaidError(400, "ITEM_ERROR", code, f"the item could not be linked ({code})")
    if (username, password) != (seed_data.SANDBOX_USERNAME, seed_data.SANDBOX_PASSWORD):
        raise PlaidError(
            400,
            "ITEM_ERROR",
            "INVALID_CREDENTIALS",
            "the provided credentials were not correct",
        )


def link_item(
    app: web.Application,
    bank: Institution,
    webhook: str | None,
    *,
    username: str = seed_data.SANDBOX_USERNAME,
    password: str = seed_data.SANDBOX_PASSWORD,
) -> str:
    """Create an item at `bank` with seeded accounts and history; return its public token."""
    check_credentials(username, password)
    config = app[CONFIG]
    rng = app[RANDOM]
    accounts = seed_data.make_accounts(rng, bank)
    history = seed_data.make_transactions(
        rng, accounts, config.transactions_per_account, datetime.now(UTC).date()
    )
    item = Item(
        item_id=seed_data.plaid_id(rng),
        access_token=_token(rng, "access", config.plaid_environment),
        institution=bank,
        webhook=webhook or f"{config.gateway_webhook_base_url.rstrip('/')}/webhooks/plaid",
        accounts=accounts,
        updates=[("added", t) for t in history],
    )
    public_token = _token(rng, "public", config.plaid_environment)
    app[PLAID].public_tokens[public_token] = (item, datetime.now(UTC) + PUBLIC_TOKEN_TTL)
    return public_token


async def exchange_public_token(request: web.Request) -> web.Response:
    """`/item/public_token/exchange`: a public token (single use) for an access token."""
    body = await _body(request)
    state = request.app[PLAID]
    found = state.public_tokens.pop(str(body.get("public_token", "")), None)
    if found is None or found[1] < datetime.now(UTC):
        raise PlaidError(
            400,
            "INVALID_INPUT",
            "INVALID_PUBLIC_TOKEN",
            "provided public token is expired or invalid",
        )
    item = found[0]
    state.items[item.access_token] = item
    _send_sync_updates_available(request.app, item)
    return plaid_json.json_response(
        {
            "access_token": item.access_token,
            "item_id": item.item_id,
            "request_id": _request_id(request.app[RANDOM]),
        }
    )


async def get_balances(request: web.Request) -> web.Response:
    """`/accounts/balance/get` (and `/accounts/get`): the item's accounts with balances."""
    body = await _body(request)
    item = _working_item(request, body)
    wanted = (body.get("options") or {}).get("account_ids")
    accounts = [a for a in item.accounts if not wanted or a.account_id in wanted]
    return plaid_json.json_response(
        {
            "accounts": [a.as_plaid() for a in accounts],
            "item": item.as_plaid(),
            "request_id": _request_id(request.app[RANDOM]),
        }
    )


async def get_item(request: web.Request) -> web.Response:
    """`/item/get`: the item behind an access token (its institution among others)."""
    item = _item(request, await _body(request))
    return plaid_json.json_response(
        {"item": item.as_plaid(), "request_id": _request_id(request.app[RANDOM])}
    )


async def get_institution_by_id(request: web.Request) -> web.Response:
    """`/institutions/get_by_id`: an institution's public details (its name)."""
    bank = _institution(await _body(request))
    return plaid_json.json_response(
        {
            "institution": {
                "connection_availability": "SUPPORTED",
                "country_codes": list(bank.country_codes),
                "institution_id": bank.institution_id,
                "name": bank.name,
                "oauth": bank.oauth,
                "products": ["balance", *PRODUCTS],
                "routing_numbers": [],
            },
            "request_id": _request_id(request.app[RANDOM]),
        }
    )


def _encode_cursor(item: Item, position: int) -> str:
    raw = json.dumps({"item": item.item_id, "position": position}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(item: Item, cursor: str) -> int:
    if not cursor:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        position = int(decoded["position"])
        valid = decoded["item"] == item.item_id and 0 <= position <= len(item.updates)
    except (binascii.Error, ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise PlaidError(400, "INVALID_INPUT", "INVALID_FIELD", "cursor is not valid for this item")
    return position


async def sync_transactions(request: web.Request) -> web.Response:
    """`/transactions/sync`: the updates after `cursor`, at most `count`, with `has_more`."""
    body = await _body(request)
    item = _working_item(request, body)
    cursor = str(body.get("cursor") or "")
    count = int(body.get("count") or SYNC_DEFAULT_COUNT)
    if not 1 <= count <= SYNC_MAX_COUNT:
        raise PlaidError(
            400, "INVALID_REQUEST", "INVALID_FIELD", f"count must be between 1 and {SYNC_MAX_COUNT}"
        )
    position = _decode_cursor(item, cursor)
    if cursor and item.mutation_failures > 0:
        item.mutation_failures -= 1
        raise PlaidError(
            400,
            "TRANSACTIONS_ERROR",
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
            "Underlying transaction data changed since last page was fetched. "
            "Please restart pagination from last update.",
        )
    page = item.updates[position : position + count]
    end = position + len(page)
    return plaid_json.json_response(
        {
            "accounts": [a.as_plaid() for a in item.accounts],
            "added": [t.as_plaid() for kind, t in page if kind == "added"],
            "has_more": end < len(item.updates),
            "modified": [t.as_plaid() for kind, t in page if kind == "modified"],
            "next_cursor": _encode_cursor(item, end),
            "removed": [
                {"account_id": t.account_id, "transaction_id": t.transaction_id}
                for kind, t in page
                if kind == "removed"
            ],
            "request_id": _request_id(request.app[RANDOM]),
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        }
    )


async def get_verification_key(request: web.Request) -> web.Response:
    """`/webhook_verification_key/get`: the public JWK for a `kid`, current or retired."""
    body = await _body(request)
    key = request.app[PLAID].keys.keys.get(str(body.get("key_id", "")))
    if key is None:
        raise PlaidError(
            400, "INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "invalid key_id provided"
        )
    return plaid_json.json_response(
        {"key": key.jwk(), "request_id": _request_id(request.app[RANDOM])}
    )


async def sandbox_create_public_token(request: web.Request) -> web.Response:
    """`/sandbox/public_token/create`: link an item without the link page (tests use it)."""
    body = await _body(request)
    bank = _institution(body)
    options = body.get("options") or {}
    public_token = link_item(
        request.app,
        bank,
        options.get("webhook"),
        username=str(options.get("override_username") or seed_data.SANDBOX_USERNAME),
        password=str(options.get("override_password") or seed_data.SANDBOX_PASSWORD),
    )
    return plaid_json.json_response(
        {"public_token": public_token, "request_id": _request_id(request.app[RANDOM])}
    )


# Item webhooks `/sandbox/item/fire_webhook` can send, besides SYNC_UPDATES_AVAILABLE.
ITEM_WEBHOOK_CODES = frozenset(
    {"ERROR", "LOGIN_REPAIRED", "PENDING_DISCONNECT", "PENDING_EXPIRATION",
     "USER_PERMISSION_REVOKED"}
)  # fmt: skip


async def sandbox_fire_webhook(request: web.Request) -> web.Response:
    """`/sandbox/item/fire_webhook`: `SYNC_UPDATES_AVAILABLE` (after new transactions) or an
    ITEM webhook (`ERROR` also puts the Item in `ITEM_LOGIN_REQUIRED`, `LOGIN_REPAIRED` clears it).
    """
    body = await _body(request)
    item = _item(request, body)
    code = str(body.get("webhook_code", "SYNC_UPDATES_AVAILABLE"))
    if code == "SYNC_UPDATES_AVAILABLE":
        new = seed_data.make_transactions(
            request.app[RANDOM], item.accounts[:1], 3, datetime.now(UTC).date()
        )
        item.updates.extend(("added", t) for t in new)
        _send_sync_updates_available(request.app, item)
    elif code in ITEM_WEBHOOK_CODES:
        if code == "ERROR":
            item.error = _login_error(LOGIN_REQUIRED)
        elif code == "LOGIN_REPAIRED":
            item.error = None
        _send_item_webhook(request.app, item, code)
    else:
        raise PlaidError(
            400,
            "INVALID_INPUT",
            "INVALID_FIELD",
            "webhook_code must be SYNC_UPDATES_AVAILABLE or one of "
            + ", ".join(sorted(ITEM_WEBHOOK_CODES)),
        )
    return plaid_json.json_response(
        {"request_id": _request_id(request.app[RANDOM]), "webhook_fired": True}
    )


async def sandbox_reset_login(request: web.Request) -> web.Response:
    """`/sandbox/item/reset_login`: force the Item into `ITEM_LOGIN_REQUIRED` (ITEM ERROR sent)."""
    item = _item(request, await _body(request))
    item.error = _login_error(LOGIN_REQUIRED)
    _send_item_webhook(request.app, item, "ERROR")
    return plaid_json.json_response(
        {"request_id": _request_id(request.app[RANDOM]), "reset_login": True}
    )


def _send_sync_updates_available(app: web.Application, item: Item) -> None:
    _send_webhook(
        app,
        item,
        {
            "environment": app[CONFIG].plaid_environment,
            "historical_update_complete": True,
            "initial_update_complete": True,
            "item_id": item.item_id,
            "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "webhook_type": "TRANSACTIONS",
        },
    )


def _send_item_webhook(app: web.Application, item: Item, code: str) -> None:
    payload: dict[str, Any] = {
        "environment": app[CONFIG].plaid_environment,
        "item_id": item.item_id,
        "webhook_code": code,
        "webhook_type": "ITEM",
    }
    if code in ("ERROR", "USER_PERMISSION_REVOKED"):
        payload["error"] = item.error or _login_error("ACCESS_NOT_GRANTED")
    if code == "PENDING_EXPIRATION":
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
        payload["consent_expiration_time"] = expires.isoformat().replace("+00:00", "Z")
    if code == "PENDING_DISCONNECT":
        payload["reason"] = "INSTITUTION_MIGRATION"
        disconnects = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
        payload["disconnect_time"] = disconnects.isoformat().replace("+00:00", "Z")
    _send_webhook(app, item, payload)


def _send_webhook(app: web.Application, item: Item, payload: dict[str, Any]) -> None:
    if not item.webhook:
        return
    body = json.dumps(payload, indent=2).encode()
    headers = {
        "Content-Type": "application/json",
        "Plaid-Verification": app[PLAID].keys.sign(body),
    }
    sender = app[WEBHOOKS]
    sender.spawn(_deliver(sender, item.webhook, str(payload["webhook_code"]), body, headers))


async def _deliver(
    sender: WebhookSender, url: str, kind: str, body: bytes, headers: dict[str, str]
) -> None:
    await sender.post(provider="plaid", kind=kind, url=url, body=body, headers=headers)


async def rotate_key(request: web.Request) -> web.Response:
    """`POST /_admin/plaid/rotate_key`: retire the signing key, as Plaid does from time to time."""
    key = request.app[PLAID].keys.rotate()
    return web.json_response({"kid": key.kid})


async def arm_mutation(request: web.Request) -> web.Response:
    """`POST /_admin/plaid/items/{item_id}/mutation_during_pagination`: fail the next page(s)."""
    item = request.app[PLAID].item_by_id(request.match_info["item_id"])
    if item is None:
        raise web.HTTPNotFound(text="unknown item")
    times = int((await request.json() if request.can_read_body else {}).get("times", 1))
    item.mutation_failures = times
    return web.json_response({"item_id": item.item_id, "mutation_failures": times})


@web.middleware
async def _handle(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PlaidError as exc:
        response = plaid_json.json_response(
            exc.body(_request_id(request.app[RANDOM])), status=exc.status
        )
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response


def setup(app: web.Application) -> None:
    """Add the Plaid state, routes and error handling to the simulator app."""
    app[PLAID] = PlaidState(keys=PlaidKeyRing(seed=app[CONFIG].seed))
    app.middlewares.append(_handle)
    routes = {
        "/link/token/create": create_link_token,
        "/item/public_token/exchange": exchange_public_token,
        "/accounts/balance/get": get_balances,
        "/accounts/get": get_balances,
        "/item/get": get_item,
        "/institutions/get_by_id": get_institution_by_id,
        "/transactions/sync": sync_transactions,
        "/webhook_verification_key/get": get_verification_key,
        "/sandbox/public_token/create": sandbox_create_public_token,
        "/sandbox/item/fire_webhook": sandbox_fire_webhook,
        "/sandbox/item/reset_login": sandbox_reset_login,
    }
    for path, handler in routes.items():
        app.router.add_post(path, handler)
    app.router.add_post("/_admin/plaid/rotate_key", rotate_key)
    app.router.add_post("/_admin/plaid/items/{item_id}/mutation_during_pagination", arm_mutation)
