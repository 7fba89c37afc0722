"""The sign-up emails: where their links point and what they leave out."""

from __future__ import annotations

from bff.signup import emails
from shared.identity import pending_signups as pending


def test_the_verification_link_points_at_the_console_with_the_token_in_the_fragment() -> None:
    token = pending.new_token()

    email = emails.verification(
        "new@example.com", webapp_base_url="https://console.origin.example/", token=token, hours=24
    )

    link = f"https://console.origin.example/verify#token={token}"
    assert email.purpose == "signup_verification"
    assert link in email.text_body
    assert f'href="{link}"' in email.html_body
    assert "24 hours" in email.text_body
    assert "?token=" not in email.text_body + email.html_body


def test_the_account_exists_email_says_sign_in_and_carries_no_link_to_verify() -> None:
    email = emails.account_exists("member@example.com", webapp_base_url="http://localhost:3000")

    assert email.purpose == "signup_account_exists"
    assert "already" in email.subject
    assert "http://localhost:3000/sign-in" in email.text_body
    assert "/verify" not in email.text_body + email.html_body


def test_tokens_are_43_url_safe_characters_and_only_their_sha256_is_kept() -> None:
    token = pending.new_token()

    assert len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()
    assert len(pending.token_hash(token)) == 32
    assert pending.token_hash(token) != pending.token_hash(pending.new_token())
