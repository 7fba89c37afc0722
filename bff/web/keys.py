"""Typed keys for what the bff keeps on its app and on each request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bff.web.limits import Limits
from shared.identity.passwords import Hasher
from shared.identity.sessions import SessionUser
from shared.identity.totp import TotpSecretCipher

CURRENT_USER = web.RequestKey("current_user", SessionUser)
LIMITS = web.AppKey("limits", Limits)
MFA_CIPHER = web.AppKey("mfa_cipher", TotpSecretCipher)
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
PASSWORD_HASHER: web.AppKey[Hasher] = web.AppKey("password_hasher")
