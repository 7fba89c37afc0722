"""Composition root of the bff: builds the app with its resources and routes.

Each route module has a `setup(app)`; to add routes, add its setup to `ROUTE_SETUPS`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import httpx
from aiohttp import web

from bff import (
    admin,
    appointments,
    auth_routes,
    docs,
    employers,
    file_events,
    linked_accounts,
    member_events,
    members,
    messages,
    mfa_routes,
    password_routes,
    risk_profiles,
    signup,
    tools,
)
from bff.audit import audit_writer_context
from bff.gateway_client import TIMEOUT, GatewayClient
from bff.keys import CLOCK, ENDPOINTS, GATEWAY, LIMITS, MFA_CIPHER, PASSWORD_HASHER
from bff.limits import Limits
from shared.identity.passwords import BoundedHasher, Hasher
from shared.identity.totp import TotpSecretCipher
from shared.settings import Settings
from shared.web.app import create_base_app
from shared.web.keys import SETTINGS

SERVICE_NAME = "bff"
DEFAULT_PORT = 8080

RouteSetup = Callable[[web.Application], None]

ROUTE_SETUPS: Sequence[RouteSetup] = (
    auth_routes.setup,
    mfa_routes.setup,
    password_routes.setup,
    signup.setup,
    members.setup,
    member_events.setup,
    risk_profiles.setup,
    messages.setup,
    appointments.setup,
    linked_accounts.setup,
    tools.setup,
    admin.setup,
    employers.setup,
    file_events.setup,
    docs.setup,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    limits: Limits | None = None,
    clock: Callable[[], datetime] = _utc_now,
    gateway_transport: httpx.AsyncBaseTransport | None = None,
    password_hasher: Hasher | None = None,
) -> web.Application:
    """Build the bff application; tests call this same factory (with small limits or a clock).

    Passwords are hashed by one `BoundedHasher` per process unless a hasher is given.
    """
    app = create_base_app(settings, service=SERVICE_NAME)
    app[LIMITS] = limits or Limits(
        client_ip_header="X-Forwarded-For" if settings.app_env.is_deployed else None
    )
    app[CLOCK] = clock
    app[MFA_CIPHER] = TotpSecretCipher.from_setting(settings.mfa_secret_encryption_keys)
    app[ENDPOINTS] = []
    app.cleanup_ctx.append(_password_hasher(password_hasher))
    app.cleanup_ctx.append(_gateway_client(gateway_transport))
    app.cleanup_ctx.append(audit_writer_context)
    for setup in ROUTE_SETUPS:
        setup(app)
    return app


def _password_hasher(given: Hasher | None) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[PASSWORD_HASHER] = given
            yield
            return
        hasher = BoundedHasher()
        app[PASSWORD_HASHER] = hasher
        yield
        hasher.close()

    return context


def _gateway_client(
    transport: httpx.AsyncBaseTransport | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        token = settings.internal_service_token.get_secret_value()
        async with httpx.AsyncClient(
            base_url=settings.gateway_internal_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
            transport=transport,
        ) as http:
            app[GATEWAY] = GatewayClient(http)
            yield

    return context
