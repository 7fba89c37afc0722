"""`create-user` and `reset-password`: the operator's way to make and recover accounts."""

from __future__ import annotations

import argparse
import io

import pytest

from shared.database import transaction
from shared.ops.identity_commands import create_user_command, reset_password_command
from tests.integration.bff.builders import make_user


async def test_reset_password_forces_a_change_ends_sessions_and_forgets_mfa(
    settings, pool, monkeypatch: pytest.MonkeyPatch, capsys
):
    user = await make_user(pool, "admin")  # enrolled
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO user_sessions (token_hash, user_id, csrf_token) VALUES ('\\x01', %s, 'c')",
            (user.id,),
        )
    monkeypatch.setattr("sys.stdin", io.StringIO("Temporary-passphrase-1\n"))

    code = await reset_password_command(
        settings, argparse.Namespace(email=user.email.upper(), reset_mfa=True)
    )

    assert code == 0
    assert "Temporary-passphrase-1" not in capsys.readouterr().out
    async with transaction(pool) as cur:
        await cur.execute(
            "SELECT password_change_required, EXISTS (SELECT 1 FROM user_mfa WHERE user_id = id),"
            " (SELECT count(*) FROM user_sessions WHERE user_id = id AND revoked_at IS NULL)"
            " FROM users WHERE id = %s",
            (user.id,),
        )
        assert await cur.fetchone() == (True, False, 0)
        await cur.execute(
            "SELECT event, actor_id FROM account_events WHERE user_id = %s ORDER BY id", (user.id,)
        )
        assert await cur.fetchall() == [("password_reset", None), ("mfa_reset", None)]


async def test_operator_passwords_meet_the_policy(settings, pool, monkeypatch, capsys):
    user = await make_user(pool)
    monkeypatch.setattr("sys.stdin", io.StringIO("sunshine2024\n"))
    weak_reset = await reset_password_command(
        settings, argparse.Namespace(email=user.email, reset_mfa=False)
    )
    # An advisor without MFA (not required in test) signs in with the password alone: 15+.
    monkeypatch.setattr("sys.stdin", io.StringIO("kT9#vq2L-short\n"))
    short_advisor = await create_user_command(
        settings, argparse.Namespace(email="ops.new@example.com", name="Ops New", role="advisor")
    )

    assert weak_reset == short_advisor == 1
    assert "most common" in capsys.readouterr().err
    unknown = argparse.Namespace(email="nobody.here@example.com", reset_mfa=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("Temporary-passphrase-1\n"))
    assert await reset_password_command(settings, unknown) == 4
