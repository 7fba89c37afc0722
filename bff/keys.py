"""Typed keys for what the bff keeps on its app and on each request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bff.limits import Limits
from shared.group_commit import GroupCommit
from shared.identity.passwords import Hasher
from shared.identity.sessions import SessionUser
from shared.identity.totp import TotpSecretCipher

if TYPE_CHECKING:
    from bff.api import Endpoint
    from bff.audit import ViewRow
    from bff.gateway_client import GatewayClient
    from bff.member_screen import ScreenRequest

CURRENT_USER = web.RequestKey("current_user", SessionUser)
LIMITS = web.AppKey("limits", Limits)
MFA_CIPHER = web.AppKey("mfa_cipher", TotpSecretCipher)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
ENDPOINTS: web.AppKey[list[Endpoint]] = web.AppKey("endpoints")
PASSWORD_HASHER: web.AppKey[Hasher] = web.AppKey("password_hasher")
GATEWAY: web.AppKey[GatewayClient] = web.AppKey("gateway_client")
AUDIT_WRITER: web.AppKey[GroupCommit[ViewRow, None]] = web.AppKey("audit_writer")
SCREENS_BY_SESSION: web.AppKey[GroupCommit[ScreenRequest, bytes | None]] = web.AppKey(
    "screens_by_session"
)
