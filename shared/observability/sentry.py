"""Sentry error reporting, on only when SENTRY_DSN is set, with personal data and secrets kept out.

What is never sent: request bodies (`max_request_body_size="never"` and no HTTP bodies
in `data_collection`: a sign-in body is a password), cookies, query values, the user
and client address (`data_collection` with `user_info` off: this SDK's replacement of
`send_default_pii=False`, which it deprecates), local variables of stack frames
(`include_local_variables=False`: a handler's locals hold credentials).
What is scrubbed before sending: request headers whose name says secret (cookies,
authorization, CSRF, anything with token, secret, password, key, session or
signature), query-string values, breadcrumbs and extras, and in every string the
personal data and secret fields `shared.observability.redaction` recognises.

`sentry_sdk` is imported only by `init_sentry`, i.e. only when SENTRY_DSN is set: a role
without it does not pay the SDK's import time and memory. Code that reports goes
through `capture_exception` / `capture_message` here, which are no-ops until then.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Literal

from shared.observability.redaction import REDACTED, redact
from shared.settings import Settings

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions
    from sentry_sdk.transport import Transport

# Header names whose values never leave the process.
SECRET_HEADER = re.compile(
    r"cookie|authori[sz]ation|csrf|token|secret|pass|key|session|signature|verification|forwarded|real-ip",
    re.IGNORECASE,
)
# What the SDK's integrations may collect (its own filter; `scrub_event` runs after it).
DATA_COLLECTION: DataCollectionUserOptions = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {
        "request": {
            "mode": "denylist",
            "terms": ["cookie", "forwarded", "-ip", "remote-", "via", "-user", "signature"],
        }
    },
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "graphql": {"document": False, "variables": False},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
}


def _scrub_headers(headers: Any) -> Any:
    if not isinstance(headers, dict):
        return REDACTED if headers else headers
    return {
        name: REDACTED if SECRET_HEADER.search(str(name)) else value
        for name, value in headers.items()
    }


def _scrub_query(query: Any) -> Any:
    """Keep the parameter names (useful to debug), never their values."""
    if not isinstance(query, str) or not query:
        return REDACTED if query else query
    return "&".join(part.split("=", 1)[0] + "=" + REDACTED for part in query.split("&"))


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry `before_send`: drop bodies and cookies, scrub headers, mask personal data anywhere."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)  # REMOTE_ADDR: the client's address
        if "headers" in request:
            request["headers"] = _scrub_headers(request["headers"])
        if "query_string" in request:
            request["query_string"] = _scrub_query(request["query_string"])
    event.pop("user", None)
    scrubbed: dict[str, Any] = redact(event)
    return scrubbed


def scrub_breadcrumb(
    crumb: dict[str, Any], hint: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Sentry `before_breadcrumb`: the same masking for log lines and HTTP calls kept as crumbs."""
    scrubbed: dict[str, Any] = redact(crumb)
    return scrubbed


def init_sentry(
    settings: Settings, *, service: str, release: str, transport: Transport | None = None
) -> bool:
    """Start Sentry when configured; returns whether it was started.

    `transport` replaces the HTTP transport (tests capture envelopes with it).
    """
    if settings.sentry_dsn is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.app_env.value,
        release=f"origin-{service}@{release}",
        data_collection=DATA_COLLECTION,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        integrations=[AioHttpIntegration()],
        traces_sample_rate=0.0,
        transport=transport,
    )
    sentry_sdk.set_tag("service", service)
    return True


def capture_exception(exc: BaseException) -> None:
    """Report `exc` to Sentry if it was started (a no-op when SENTRY_DSN is unset)."""
    sdk = sys.modules.get("sentry_sdk")  # never imported means never started
    if sdk is not None:
        sdk.capture_exception(exc)


def capture_message(message: str, *, level: Literal["warning", "error"] = "warning") -> None:
    """Report a message to Sentry if it was started (a no-op when SENTRY_DSN is unset)."""
    sdk = sys.modules.get("sentry_sdk")
    if sdk is not None:
        sdk.capture_message(message, level=level)
