"""Composition root of the bff: builds the app with its resources and its features.

Each feature package (`bff/<feature>/`) has a `setup(app)` that adds its routes; to add
a feature, add its setup to `ROUTE_SETUPS`. The endpoint machinery is in `bff/web/`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import httpx
from aiohttp import web

from bff import accounts, admin, appointments, auth, employers, members, messages, signup, tools
from bff.web import docs
from bff.web.api import ENDPOINTS
from bff.web.audit import audit_writer_context
from bff.web.keys import CLOCK, LIMITS, MFA_CIPHER, PASSWORD_HASHER
from bff.web.limits import Limits
from shared.identity.passwords import BoundedHasher, Hasher
from shared.identity.totp import TotpSecretCipher
from shared.settings import Settings
from shared.web.app import create_base_app

SERVICE_NAME = "bff"
DEFAULT_PORT = 8080

RouteSetup = Callable[[web.Application], None]

# In this order: it is the order of the routes, and of each feature's `cleanup_ctx` contexts.
ROUTE_SETUPS: Sequence[RouteSetup] = (
    auth.setup,
    signup.setup,
    members.setup,
    messages.setup,
    appointments.setup,
    accounts.setup,
    tools.setup,
    admin.setup,
    employers.setup,
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
    app.cleanup_ctx.append(accounts.gateway_client_context(gateway_transport))
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
