"""Advisor authentication: sign-in and sign-out, MFA, password change, the login throttle."""

from aiohttp import web

from bff.auth import mfa, password_change, sign_in


def setup(app: web.Application) -> None:
    """Add the sign-in, MFA and password-change routes."""
    sign_in.setup(app)
    mfa.setup(app)
    password_change.setup(app)


__all__ = ["setup"]
