"""SMS bodies rendered from the packaged Jinja2 templates."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
import pytest

from shared.sms import MAX_BODY_CHARS, SmsTemplateError, SmsTemplates


def test_a_reminder_renders_with_its_variables() -> None:
    body = SmsTemplates().render(
        "appointment_reminder",
        {
            "first_name": "Ana",
            "advisor_name": "Sam",
            "starts_at": datetime(2026, 3, 5, 15, 30, tzinfo=UTC),
            "timezone": "UTC",
        },
    )
    assert body == (
        "Hi Ana, a reminder from Origin: your session with Sam is on Thu Mar 5 at 3:30 PM (UTC)."
        " Reply STOP to opt out."
    )


def test_every_packaged_template_is_listed() -> None:
    assert SmsTemplates().names() == [
        "appointment_canceled",
        "appointment_reminder",
        "link_accounts_reminder",
    ]


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(SmsTemplateError, match="link_url"):
        SmsTemplates().render("link_accounts_reminder", {"first_name": "Ana"})


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(SmsTemplateError):
        SmsTemplates().render("nope", {})


def test_a_body_over_the_provider_limit_is_refused() -> None:
    templates = SmsTemplates(jinja2.DictLoader({"long.txt.j2": "{{ text }}"}))
    with pytest.raises(SmsTemplateError, match="characters"):
        templates.render("long", {"text": "x" * (MAX_BODY_CHARS + 1)})
