"""Multi-factor sign-in: TOTP enrollment, and the second step of sign-in.

Enrollment (`POST /api/v1/auth/mfa/enrollment`, then `.../confirm`): the server makes
the secret, stores it encrypted, and shows it once as an `otpauth://` URI, a QR code
(SVG, drawn here with segno) and text for manual entry. A valid code confirms it: MFA
is on, ten recovery codes are shown once (stored hashed), this session counts as
verified and every other session of the user ends (they were signed in with the
password alone).

Sign-in (`POST /api/v1/auth/mfa`): the challenge cookie from the password step and one
code, TOTP or recovery, each attempt counted before it is checked
(`shared.identity.mfa_challenges`). TOTP codes are single-use (`shared.identity.totp`);
a recovery code is spent by its use.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from enum import StrEnum
from typing import Annotated

import segno
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bff.auth.sign_in import SessionOut, session_out, signed_in
from bff.web.api import (
    MFA_CHALLENGE_EXPIRED,
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    read_body,
    too_many_requests,
)
from bff.web.keys import CLOCK, CURRENT_USER, LIMITS, MFA_CIPHER
from bff.web.session_auth import challenge_token, clear_challenge_cookie, session_token
from shared.database import Cursor, transaction
from shared.identity import account_events, mfa, mfa_challenges, recovery_codes, sessions, totp
from shared.identity.account_events import AccountEvent
from shared.identity.users import get_user
from shared.web.keys import POOL, REQUEST_ID

log = logging.getLogger("origin.auth")

WRONG_CODE = "That code is not valid. Check the time on your device and try the newest code."


class MfaMethod(StrEnum):
    """Which second factor a code is."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


class MfaCodeIn(BaseModel):
    """A code typed at the second step of sign-in."""

    model_config = ConfigDict(extra="forbid")

    method: MfaMethod = MfaMethod.TOTP
    code: Annotated[str, Field(min_length=1, max_length=64)]


class TotpCodeIn(BaseModel):
    """A code from the authenticator app."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=16)]


class MfaEnrollmentOut(BaseModel):
    """What the authenticator app needs, shown once: scan the QR code or type the secret."""

    otpauth_uri: str
    secret: str
    qr_svg: str = Field(description="The otpauth URI as a QR code, an SVG document")


class MfaEnabledOut(BaseModel):
    """MFA is on. The recovery codes are shown this once: each signs in once without the
    app."""

    recovery_codes: list[str]
    session: SessionOut


def _qr_svg(uri: str) -> str:
    """The URI as an SVG QR code (medium error correction, dark on light)."""
    buffer = segno.make(uri, error="m", micro=False)
    return buffer.svg_inline(scale=5, border=4, dark="#111111", light="#ffffff", omitsize=False)


async def start_enrollment(request: web.Request) -> web.StreamResponse:
    """Make a new secret for the signed-in user (409 when MFA is already on)."""
    user = request[CURRENT_USER]
    if user.mfa_enabled:
        raise ApiProblem(409, "Conflict", detail="Multi-factor sign-in is already on.")
    secret = totp.new_secret()
    async with transaction(request.app[POOL]) as cur:
        started = await mfa.start_enrollment(cur, user.id, request.app[MFA_CIPHER].encrypt(secret))
    if not started:
        raise ApiProblem(409, "Conflict", detail="Multi-factor sign-in is already on.")
    uri = totp.provisioning_uri(secret, user.email)
    log.info(
        "mfa enrollment started", extra={"event": "mfa_enrollment_started", "user_id": str(user.id)}
    )
    body = MfaEnrollmentOut(otpauth_uri=uri, secret=secret.get_secret_value(), qr_svg=_qr_svg(uri))
    return json_model(body, status=201)


async def confirm_enrollment(request: web.Request) -> web.StreamResponse:
    """Turn MFA on with a valid code; answer the recovery codes, once."""
    body = await read_body(request, TotpCodeIn)
    user = request[CURRENT_USER]
    token = session_token(request)
    codes = recovery_codes.new_codes()
    async with transaction(request.app[POOL]) as cur:
        authenticator = await mfa.locked_authenticator(cur, user.id)
        if authenticator is None or authenticator.confirmed:
            raise ApiProblem(
                409, "Conflict", detail="Start the enrollment first (no enrollment in progress)."
            )
        secret = request.app[MFA_CIPHER].decrypt(authenticator.secret_encrypted)
        step = totp.matching_step(
            secret, body.code, at=request.app[CLOCK](), after_step=authenticator.last_used_step
        )
        if step is None:
            raise _wrong_code("code")
        await mfa.accept_step(cur, user.id, step, confirm=True)
        await recovery_codes.replace_codes(cur, user.id, codes)
        if token is not None:
            await sessions.mark_mfa_verified(cur, token)
        ended = await sessions.revoke_user_sessions(cur, user.id, keep_token=token)
        await account_events.record(
            cur,
            user_id=user.id,
            actor_id=user.id,
            event=AccountEvent.MFA_ENABLED,
            request_id=request[REQUEST_ID],
        )
    log.info(
        "mfa enabled",
        extra={"event": "mfa_enabled", "user_id": str(user.id), "sessions_revoked": ended},
    )
    verified = replace(user, mfa_enabled=True, mfa_verified=True)
    return json_model(MfaEnabledOut(recovery_codes=codes, session=session_out(request, verified)))


def _wrong_code(field: str) -> ApiProblem:
    return ApiProblem(
        422,
        "Invalid request",
        detail=WRONG_CODE,
        errors=[{"field": field, "message": "is not a valid code", "type": "mfa_code"}],
    )


async def _accept_code(
    request: web.Request, cur: Cursor, user_id: uuid.UUID, body: MfaCodeIn
) -> bool:
    """True when the code is a valid unused TOTP code (its step then recorded against
    replay) or an unused recovery code (then spent)."""
    authenticator = await mfa.locked_authenticator(cur, user_id)
    if authenticator is None or not authenticator.confirmed:
        return False
    if body.method is MfaMethod.RECOVERY_CODE:
        if not await recovery_codes.use_code(cur, user_id, body.code):
            return False
        await account_events.record(
            cur,
            user_id=user_id,
            actor_id=user_id,
            event=AccountEvent.RECOVERY_CODE_USED,
            request_id=request[REQUEST_ID],
        )
        return True
    secret = request.app[MFA_CIPHER].decrypt(authenticator.secret_encrypted)
    step = totp.matching_step(
        secret, body.code, at=request.app[CLOCK](), after_step=authenticator.last_used_step
    )
    if step is None:
        return False
    await mfa.accept_step(cur, user_id, step, confirm=False)
    return True


async def verify(request: web.Request) -> web.StreamResponse:
    """The second step of sign-in: a TOTP or recovery code for the pending challenge."""
    body = await read_body(request, MfaCodeIn)
    token = challenge_token(request)
    if token is None:
        raise _challenge_gone()
    limits = request.app[LIMITS]
    user, new = None, None
    # One transaction: the attempt is counted (and committed) whatever the code's fate.
    async with transaction(request.app[POOL]) as cur:
        attempt = await mfa_challenges.count_attempt(
            cur,
            token,
            per_challenge=limits.mfa_per_challenge,
            per_user=limits.mfa_per_user.count,
            window=limits.mfa_per_user.window,
        )
        if isinstance(attempt, mfa_challenges.Counted) and await _accept_code(
            request, cur, attempt.user_id, body
        ):
            user = await get_user(cur, attempt.user_id)
            if user is not None and user.disabled_at is None:
                await mfa_challenges.finish(cur, user.id)
                new = await sessions.create_session(cur, user.id, mfa_verified=True)
    if isinstance(attempt, mfa_challenges.Gone):
        raise _challenge_gone()
    if isinstance(attempt, mfa_challenges.Throttled):
        log.warning(
            "mfa throttled", extra={"event": "mfa_throttled", "retry_after": attempt.retry_after}
        )
        raise too_many_requests(
            "Too many wrong codes. Try again later.", retry_after=attempt.retry_after
        )
    if user is None or new is None:
        log.warning(
            "mfa failed",
            extra={
                "event": "mfa_failed",
                "user_id": str(attempt.user_id),
                "method": body.method.value,
            },
        )
        raise _wrong_code("code")
    log.info(
        "login succeeded",
        extra={"event": "login_succeeded", "user_id": str(user.id), "mfa": body.method.value},
    )
    response = signed_in(request, user, new, mfa_verified=True)
    clear_challenge_cookie(request, response)
    return response


def _challenge_gone() -> ApiProblem:
    return ApiProblem(
        401,
        "Unauthorized",
        type=MFA_CHALLENGE_EXPIRED,
        detail="This sign-in has expired or had too many wrong codes. Sign in again.",
    )


def setup(app: web.Application) -> None:
    """Add the MFA routes."""
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/auth/mfa",
                verify,
                "Second step of sign-in: a TOTP or recovery code",
                "auth",
                access=Access.PUBLIC,
                body=MfaCodeIn,
                responses={200: SessionOut},
                rate_limited=True,
            ),
            Endpoint(
                "POST",
                "/api/v1/auth/mfa/enrollment",
                start_enrollment,
                "Start MFA enrollment: a new TOTP secret and its QR code",
                "auth",
                access=Access.SESSION,
                responses={201: MfaEnrollmentOut},
            ),
            Endpoint(
                "POST",
                "/api/v1/auth/mfa/enrollment/confirm",
                confirm_enrollment,
                "Confirm MFA enrollment with a code; answers the recovery codes once",
                "auth",
                access=Access.SESSION,
                body=TotpCodeIn,
                responses={200: MfaEnabledOut},
            ),
        ],
    )
