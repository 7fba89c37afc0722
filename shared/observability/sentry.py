"""Sentry error reporting, on only when SENTRY_DSN is set, with personal data scrubbed."""

from __future__ import annotations

from typing import Any

from shared.observability.redaction import redact
from shared.settings import Settings


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry `before_send`: mask personal data and secrets anywhere in the event."""
    scrubbed: dict[str, Any] = redact(event)
    return scrubbed


def init_sentry(settings: Settings, *, service: str, release: str) -> bool:
    """Start Sentry when configured; returns whether it was started."""
    if settings.sentry_dsn is None:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        environment=settings.app_env.value,
        release=f"origin-{service}@{release}",
        send_default_pii=False,
        before_send=scrub_event,  # type: ignore[arg-type]
        integrations=[AioHttpIntegration()],
        traces_sample_rate=0.0,
    )
    sentry_sdk.set_tag("service", service)
    return True
