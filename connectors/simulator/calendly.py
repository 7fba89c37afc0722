"""The Calendly API subset: webhook subscriptions, and signed invitee webhooks on demand.

`POST/GET /webhook_subscriptions`, `GET/DELETE /webhook_subscriptions/{uuid}`
and `GET /users/me` take a bearer token. `POST /_admin/calendly/invitees`
(`{"event": "invitee.created" | "invitee.canceled", ...}`) builds an invitee
payload and posts it to every active subscription for that event, signed with
`Calendly-Webhook-Signature: t=<unix>,v1=<hex>` (HMAC-SHA256 over
`"{t}.{body}"` with the subscription's signing key, or the configured one).
"""

from __future__ import annotations

import hmac
import json
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.simulator.keys import CONFIG, RANDOM, WEBHOOKS
from connectors.simulator.signing import calendly_signature

EVENTS = frozenset(
    {
        "invitee.created",
        "invitee.canceled",
        "invitee_no_show.created",
        "routing_form_submission.created",
    }
)
SCOPES = frozenset({"user", "organization", "group"})
USER_ID = "SIMUSER000000001"
ORGANIZATION_ID = "SIMORG0000000001"


def _timestamp(moment: datetime) -> str:
    """Calendly's timestamp format: microseconds and a `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _calendly_id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))


@dataclass
class Subscription:
    """A webhook subscription; the signing key is write-only, as with Calendly."""

    uuid: str
    callback_url: str
    events: list[str]
    scope: str
    organization: str
    user: str | None
    group: str | None
    signing_key: str | None
    created: datetime
    state: str = "active"

    def resource(self, origin: str) -> dict[str, Any]:
        return {
            "callback_url": self.callback_url,
            "created_at": _timestamp(self.created),
            "creator": f"{origin}/users/{USER_ID}",
            "events": self.events,
            "group": self.group,
            "organization": self.organization,
            "retry_started_at": None,
            "scope": self.scope,
            "state": self.state,
            "updated_at": _timestamp(self.created),
            "uri": f"{origin}/webhook_subscriptions/{self.uuid}",
            "user": self.user,
        }


@dataclass
class CalendlyState:
    """Webhook subscriptions by uuid."""

    subscriptions: dict[str, Subscription] = field(default_factory=dict)


CALENDLY = web.AppKey("calendly", CalendlyState)


def _error(
    status: int, title: str, message: str, details: list[dict[str, str]] | None = None
) -> web.Response:
    body: dict[str, Any] = {"title": title, "message": message}
    if details:
        body["details"] = details
    return web.json_response(body, status=status)


def _origin(request: web.Request) -> str:
    config = request.app[CONFIG]
    return (
        config.public_base_url.rstrip("/") if config.public_base_url else str(request.url.origin())
    )


def _authenticated(request: web.Request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = request.app[CONFIG].calendly_api_token.get_secret_value()
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), expected.encode())


def _unauthenticated() -> web.Response:
    return _error(401, "Unauthenticated", "The access token is invalid")


async def current_user(request: web.Request) -> web.Response:
    """`GET /users/me`: the token's user, whose organization subscriptions need."""
    if not _authenticated(request):
        return _unauthenticated()
    origin = _origin(request)
    created = _timestamp(datetime(2024, 1, 1, tzinfo=UTC))
    return web.json_response(
        {
            "resource": {
                "avatar_url": None,
                "created_at": created,
                "current_organization": f"{origin}/organizations/{ORGANIZATION_ID}",
                "email": "advisor@example.com",
                "name": "Simulated Advisor",
                "scheduling_url": "https://calendly.com/simulated-advisor",
                "slug": "simulated-advisor",
                "timezone": "America/New_York",
                "updated_at": created,
                "uri": f"{origin}/users/{USER_ID}",
            }
        }
    )


async def create_subscription(request: web.Request) -> web.Response:
    """`POST /webhook_subscriptions`: subscribe a callback URL to events."""
    if not _authenticated(request):
        return _unauthenticated()
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "Invalid Argument", "The supplied parameters are invalid.")
    details = []
    url = body.get("url")
    events = body.get("events")
    scope = body.get("scope")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        details.append({"parameter": "url", "message": "must be a valid URL"})
    if not isinstance(events, list) or not events or not set(events) <= EVENTS:
        details.append(
            {"parameter": "events", "message": "must be a non-empty list of known events"}
        )
    if not body.get("organization"):
        details.append({"parameter": "organization", "message": "is required"})
    if scope not in SCOPES:
        details.append(
            {"parameter": "scope", "message": "must be one of user, organization, group"}
        )
    elif scope == "user" and not body.get("user"):
        details.append({"parameter": "user", "message": "is required for user scope"})
    if details:
        return _error(400, "Invalid Argument", "The supplied parameters are invalid.", details)
    state = request.app[CALENDLY]
    if any(s.callback_url == url and s.scope == scope for s in state.subscriptions.values()):
        return _error(409, "Already Exists", "Hook with this url already exists")
    subscription = Subscription(
        uuid=_calendly_id(request.app[RANDOM]),
        callback_url=str(url),
        events=list(events or []),
        scope=str(scope),
        organization=str(body["organization"]),
        user=body.get("user"),
        group=body.get("group"),
        signing_key=body.get("signing_key"),
        created=datetime.now(UTC),
    )
    state.subscriptions[subscription.uuid] = subscription
    return web.json_response({"resource": subscription.resource(_origin(request))}, status=201)


async def list_subscriptions(request: web.Request) -> web.Response:
    """`GET /webhook_subscriptions?organization=...&scope=...`: the matching subscriptions."""
    if not _authenticated(request):
        return _unauthenticated()
    organization = request.query.get("organization")
    scope = request.query.get("scope")
    if not organization or scope not in SCOPES:
        details = [{"parameter": "organization", "message": "organization and scope are required"}]
        return _error(400, "Invalid Argument", "The supplied parameters are invalid.", details)
    user = request.query.get("user")
    origin = _origin(request)
    found = [
        s.resource(origin)
        for s in request.app[CALENDLY].subscriptions.values()
        if s.organization == organization and s.scope == scope and (user is None or s.user == user)
    ]
    pagination = {
        "count": len(found),
        "next_page": None,
        "next_page_token": None,
        "previous_page": None,
        "previous_page_token": None,
    }
    return web.json_response({"collection": found, "pagination": pagination})


async def get_subscription(request: web.Request) -> web.Response:
    """`GET /webhook_subscriptions/{uuid}`."""
    if not _authenticated(request):
        return _unauthenticated()
    subscription = request.app[CALENDLY].subscriptions.get(request.match_info["uuid"])
    if subscription is None:
        return _error(
            404, "Resource Not Found", "The server could not find the requested resource."
        )
    return web.json_response({"resource": subscription.resource(_origin(request))})


async def delete_subscription(request: web.Request) -> web.Response:
    """`DELETE /webhook_subscriptions/{uuid}`."""
    if not _authenticated(request):
        return _unauthenticated()
    if request.app[CALENDLY].subscriptions.pop(request.match_info["uuid"], None) is None:
        return _error(
            404, "Resource Not Found", "The server could not find the requested resource."
        )
    return web.Response(status=204)


class InviteeTrigger(BaseModel):
    """What `POST /_admin/calendly/invitees` takes to make up an invitee event."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(pattern=r"^invitee\.(created|canceled)$")
    email: str = Field(default="member@example.com", pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = "Sam Member"
    start_time: datetime | None = None
    duration_minutes: int = Field(default=30, ge=5, le=480)
    subscription: str | None = None
    rescheduled: bool = False
    cancel_reason: str = "Schedule conflict"


def invitee_payload(trigger: InviteeTrigger, origin: str, rng: random.Random) -> dict[str, Any]:
    """The webhook body Calendly sends for an invitee created or canceled."""
    now = datetime.now(UTC)
    start = trigger.start_time or (now + timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    end = start + timedelta(minutes=trigger.duration_minutes)
    event_id, invitee_id = _calendly_id(rng), _calendly_id(rng)
    event_uri = f"{origin}/scheduled_events/{event_id}"
    canceled = trigger.event == "invitee.canceled"
    first, _, last = trigger.name.partition(" ")
    payload: dict[str, Any] = {
        "cancel_url": f"https://calendly.com/cancellations/{invitee_id}",
        "created_at": _timestamp(now),
        "email": str(trigger.email),
        "event": event_uri,
        "first_name": first or None,
        "last_name": last or None,
        "name": trigger.name,
        "new_invitee": None,
        "no_show": None,
        "old_invitee": None,
        "payment": None,
        "questions_and_answers": [],
        "reconfirmation": None,
        "reschedule_url": f"https://calendly.com/reschedulings/{invitee_id}",
        "rescheduled": trigger.rescheduled,
        "routing_form_submission": None,
        "scheduled_event": {
            "created_at": _timestamp(now),
            "end_time": _timestamp(end),
            "event_guests": [],
            "event_memberships": [{"user": f"{origin}/users/{USER_ID}"}],
            "event_type": f"{origin}/event_types/SIMEVENTTYPE0001",
            "invitees_counter": {"active": 0 if canceled else 1, "limit": 1, "total": 1},
            "location": {"join_url": "https://meet.example.com/advice", "type": "custom"},
            "name": "Financial planning session",
            "start_time": _timestamp(start),
            "status": "canceled" if canceled else "active",
            "updated_at": _timestamp(now),
            "uri": event_uri,
        },
        "status": "canceled" if canceled else "active",
        "text_reminder_number": None,
        "timezone": "America/New_York",
        "tracking": {
            "utm_campaign": None,
            "utm_source": None,
            "utm_medium": None,
            "utm_content": None,
            "utm_term": None,
            "salesforce_uuid": None,
        },
        "updated_at": _timestamp(now),
        "uri": f"{event_uri}/invitees/{invitee_id}",
    }
    if canceled:
        payload["cancellation"] = {
            "canceled_by": trigger.name,
            "canceler_type": "invitee",
            "created_at": _timestamp(now),
            "reason": trigger.cancel_reason,
        }
    return {
        "created_at": _timestamp(now),
        "created_by": f"{origin}/users/{USER_ID}",
        "event": trigger.event,
        "payload": payload,
    }


async def trigger_invitee(request: web.Request) -> web.Response:
    """`POST /_admin/calendly/invitees`: send a signed invitee webhook to each subscription."""
    try:
        trigger = InviteeTrigger.model_validate(await request.json())
    except (ValidationError, json.JSONDecodeError) as exc:
        return web.json_response({"error": str(exc)}, status=422)
    targets = [
        s
        for s in request.app[CALENDLY].subscriptions.values()
        if s.state == "active"
        and trigger.event in s.events
        and (trigger.subscription is None or s.uuid == trigger.subscription)
    ]
    body = json.dumps(invitee_payload(trigger, _origin(request), request.app[RANDOM])).encode()
    default_key = request.app[CONFIG].calendly_signing_key.get_secret_value()
    deliveries = []
    for subscription in targets:
        headers = {
            "Content-Type": "application/json",
            "Calendly-Webhook-Signature": calendly_signature(
                subscription.signing_key or default_key, body
            ),
        }
        delivery = await request.app[WEBHOOKS].post(
            provider="calendly",
            kind=trigger.event,
            url=subscription.callback_url,
            body=body,
            headers=headers,
        )
        deliveries.append(delivery.as_dict())
    return web.json_response({"payload": json.loads(body), "deliveries": deliveries})


def setup(app: web.Application) -> None:
    """Add the Calendly state and routes to the simulator app."""
    app[CALENDLY] = CalendlyState()
    app.router.add_get("/users/me", current_user)
    app.router.add_post("/webhook_subscriptions", create_subscription)
    app.router.add_get("/webhook_subscriptions", list_subscriptions)
    app.router.add_get("/webhook_subscriptions/{uuid}", get_subscription)
    app.router.add_delete("/webhook_subscriptions/{uuid}", delete_subscription)
    app.router.add_post("/_admin/calendly/invitees", trigger_invitee)
