"""Fault injection: make chosen routes fail, throttle, slow down or hang, at run time.

Tests and the benchmark script the simulator through `POST /_admin/faults`
(a list of rules, replacing the current ones) and `DELETE /_admin/faults`.
Each rule matches a path prefix (and optionally a method); the first rule that
matches a request decides its fate. Randomness (`error_rate` below 1) comes
from one `random.Random` seeded per configuration, so a run is reproducible.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import BaseModel, ConfigDict, Field

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

GARBLE = web.RequestKey("simulator_garble", bool)
# Never faulted: the simulator's own controls and its health check.
EXEMPT_PREFIXES = ("/_admin",)


class FaultRule(BaseModel):
    """One way to misbehave on requests whose path starts with `prefix`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = Field(min_length=1)
    method: str | None = None
    # Share of matching requests that fail (1.0: all of them).
    error_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    # Status of a failed request; 429 carries `Retry-After` when `retry_after_seconds` is set.
    status: int = Field(default=503, ge=400, le=599)
    retry_after_seconds: int | None = Field(default=None, ge=0)
    # Added to every matching request, failed or not.
    latency_ms: int = Field(default=0, ge=0, le=120_000)
    # Hold the request without answering (the caller's timeout fires).
    hang: bool = False
    # Let the provider act on the request, then cut its answer short (unreadable JSON).
    garble: bool = False
    # Only the first `times` matching requests are affected, then the rule is spent.
    times: int | None = Field(default=None, ge=1)

    def matches(self, request: web.Request) -> bool:
        """True when the request's method and path fall under this rule."""
        if self.method is not None and self.method.upper() != request.method:
            return False
        return request.path.startswith(self.prefix)


class FaultPlan(BaseModel):
    """What `POST /_admin/faults` takes: the rules and the seed of their randomness."""

    model_config = ConfigDict(extra="forbid")

    rules: list[FaultRule]
    seed: int | None = None


@dataclass
class RuleCounters:
    """How often a rule matched and how often it actually injected a fault."""

    matched: int = 0
    injected: int = 0


@dataclass
class FaultInjector:
    """The rules in force, their counters, and the seeded random source."""

    default_seed: int
    rules: list[FaultRule] = field(default_factory=list)
    counters: list[RuleCounters] = field(default_factory=list)
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    max_hang_seconds: float = 60.0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.default_seed)  # noqa: S311 - test fixture, not crypto

    def configure(self, plan: FaultPlan) -> None:
        """Replace every rule and restart the random sequence."""
        self.rules = list(plan.rules)
        self.counters = [RuleCounters() for _ in self.rules]
        seed = plan.seed if plan.seed is not None else self.default_seed
        self._random = random.Random(seed)  # noqa: S311 - test fixture, not crypto

    def clear(self) -> None:
        """Stop injecting faults."""
        self.configure(FaultPlan(rules=[]))

    def describe(self) -> list[dict[str, object]]:
        """The rules with their counters, for `GET /_admin/faults`."""
        return [
            {**rule.model_dump(), "matched": count.matched, "injected": count.injected}
            for rule, count in zip(self.rules, self.counters, strict=True)
        ]

    def _select(self, request: web.Request) -> tuple[FaultRule, RuleCounters] | None:
        if request.path.startswith(EXEMPT_PREFIXES) or request.path == "/":
            return None
        for rule, count in zip(self.rules, self.counters, strict=True):
            if rule.matches(request) and (rule.times is None or count.matched < rule.times):
                count.matched += 1
                return rule, count
        return None

    async def apply(self, request: web.Request) -> web.StreamResponse | None:
        """Delay, hang or fail `request` as the matching rule says; None lets it through."""
        selected = self._select(request)
        if selected is None:
            return None
        rule, count = selected
        if rule.latency_ms:
            await self._sleep(rule.latency_ms / 1000)
        if rule.garble:
            count.injected += 1
            request[GARBLE] = True
            return None
        if rule.hang:
            count.injected += 1
            await self._sleep(self.max_hang_seconds)
            return _fault_response(503, None, request.path)
        if self._random.random() < rule.error_rate:
            count.injected += 1
            return _fault_response(rule.status, rule.retry_after_seconds, request.path)
        return None

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake when the simulator shuts down so no request outlives it."""
        try:
            await asyncio.wait_for(self.closing.wait(), timeout=seconds)
        except TimeoutError:
            pass


def _fault_body(path: str, status: int) -> dict[str, object]:
    """The injected failure in the error shape of the provider whose path it is."""
    message = "fault injected by the provider simulator"
    if path.startswith("/2010-04-01"):  # Twilio's REST error
        number = 20429 if status == 429 else 20500 if status >= 500 else 20001
        more_info = f"https://www.twilio.com/docs/errors/{number}"
        return {"code": number, "message": message, "more_info": more_info, "status": status}
    if path.startswith(("/webhook_subscriptions", "/users", "/organizations")):  # Calendly
        title = "Too Many Requests" if status == 429 else "Internal Server Error"
        return {"title": title, "message": message}
    # Plaid's error object
    error_type, code = (
        ("RATE_LIMIT_EXCEEDED", "RATE_LIMIT")
        if status == 429
        else ("API_ERROR", "INTERNAL_SERVER_ERROR")
        if status >= 500
        else ("INVALID_REQUEST", "INVALID_FIELD")
    )
    return {
        "display_message": None,
        "documentation_url": f"https://plaid.com/docs/errors/#{code.lower()}",
        "error_code": code,
        "error_message": message,
        "error_type": error_type,
        "request_id": "simulatorfault1",
        "status": status,
        "suggested_action": None,
    }


def _fault_response(status: int, retry_after: int | None, path: str = "/") -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    body = _fault_body(path, status)
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


def fault_middleware(injector: FaultInjector) -> Middleware:
    """A middleware that consults `injector` before every provider route."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await injector.apply(request)
        if response is not None:
            return response
        answered = await handler(request)
        if request.get(GARBLE):
            return web.Response(
                status=answered.status, body=b'{"sid": "SM', content_type="application/json"
            )
        return answered

    return middleware
