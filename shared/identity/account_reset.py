"""Resetting an account: a temporary password to change at next sign-in, maybe MFA too.

One service for the admin route and the `reset-password` ops command (the way back
for a sole admin who lost their phone), run in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from shared.database import Cursor
from shared.identity import account_events, mfa, mfa_challenges, recovery_codes, sessions, users
from shared.identity.account_events import AccountEvent
from shared.identity.users import User


@dataclass(frozen=True)
class ResetDone:
    """The reset user and how many of their sessions ended."""

    user: User
    sessions_revoked: int


async def reset_account(
    cur: Cursor,
    user_id: uuid.UUID,
    password_hash: str,
    *,
    reset_mfa: bool,
    actor_id: uuid.UUID | None,
    request_id: str | None,
) -> ResetDone | None:
    """Set the temporary password, end every session, forget MFA when asked; audited.

    None when there is no such user.
    """
    if reset_mfa:
        await mfa.remove(cur, user_id)
        await recovery_codes.remove_all(cur, user_id)
        await mfa_challenges.finish(cur, user_id)
    user = await users.set_new_password(cur, user_id, password_hash, change_required=True)
    if user is None:
        return None
    revoked = await sessions.revoke_user_sessions(cur, user_id)
    events = [AccountEvent.PASSWORD_RESET] + ([AccountEvent.MFA_RESET] if reset_mfa else [])
    for event in events:
        await account_events.record(
            cur, user_id=user_id, actor_id=actor_id, event=event, request_id=request_id
        )
    return ResetDone(user, revoked)
