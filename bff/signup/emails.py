"""The sign-up emails: product copy, rendered from `templates/` (text and HTML).

Nothing the person typed at sign-up (their name) goes into an email: the address
may belong to someone else, who must not receive an attacker's words from us.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from shared.email.messages import Email, Purpose

VERIFY_PATH = "/verify"
SIGN_IN_PATH = "/sign-in"

_SUBJECTS: dict[Purpose, str] = {
    "signup_verification": "Confirm your email to finish signing up for Origin",
    "signup_account_exists": "You already have an Origin account",
}


@cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.PackageLoader("bff.signup", "templates")
    text = jinja2.Environment(
        loader=loader,
        autoescape=False,  # noqa: S701 - plain text has no markup to escape
        undefined=jinja2.StrictUndefined,
    )
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    return text, html


def _render(purpose: Purpose, to_address: str, context: dict[str, Any]) -> Email:
    text, html = _environments()
    return Email(
        to_address=to_address,
        purpose=purpose,
        subject=_SUBJECTS[purpose],
        text_body=text.get_template(f"{purpose}.txt.j2").render(**context).strip() + "\n",
        html_body=html.get_template(f"{purpose}.html.j2").render(**context).strip() + "\n",
    )


def verify_url(webapp_base_url: str, token: str) -> str:
    """The verification link: the token rides in the fragment, which no server ever logs."""
    return f"{webapp_base_url.rstrip('/')}{VERIFY_PATH}#token={token}"


def verification(to_address: str, *, webapp_base_url: str, token: str, hours: int) -> Email:
    """The email with the single-use link that completes a sign-up."""
    return _render(
        "signup_verification",
        to_address,
        {"verify_url": verify_url(webapp_base_url, token), "hours": hours},
    )


def account_exists(to_address: str, *, webapp_base_url: str) -> Email:
    """The email to an address that already has an account: sign in instead."""
    return _render(
        "signup_account_exists",
        to_address,
        {"sign_in_url": f"{webapp_base_url.rstrip('/')}{SIGN_IN_PATH}"},
    )
