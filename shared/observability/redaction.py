"""Find and mask personal data and secrets in free text and structured payloads.

Used by the Sentry `before_send` hook and by the JSON log formatter, so a
careless message cannot carry an email, a phone number, a tax id, an account
number or a token out of the process.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

# Keys whose values are always secret or personal, whatever they look like.
SENSITIVE_KEYS = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|cookie|api[_-]?key|dsn|ssn|tax[_-]?id|"
    r"account[_-]?number|routing[_-]?number|email|phone|^to$|^from$|body|csrf|session",
    re.IGNORECASE,
)

# Field names whose values are secret or personal when they appear *inside* a string:
# a JSON document (`"password": "..."`) or a form / query (`password=...`) quoted in an
# error message or a log line.
_FIELD_NAMES = (
    r"pass(?:word|wd)?|new_password|current_password|secret|[a-z_]*token|csrf[a-z_]*|"
    r"authori[sz]ation|cookie|api[_-]?key|session|full_?name|first_?name|last_?name|"
    r"(?:user|member|display)_?name|name|email|phone[a-z_0-9]*|birth_?date|salary|ssn|tax_?id|"
    r"account_?number|body|code"
)
# `"password": "..."` or `'password': '...'` (a JSON document or a Python dict's repr).
_QUOTED_FIELD = re.compile(
    r"""(?i)((["'])(?:""" + _FIELD_NAMES + r""")\2\s*:\s*)"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,}\]\s]+)"""
)
_FORM_FIELD = re.compile(r"(?i)(?<![\w-])((?:" + _FIELD_NAMES + r")=)[^&\s'\"]+")

_PATTERNS = [
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),  # email
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+"),  # bearer tokens
    re.compile(r"\b(?:access|public|link)-[a-z]+-[0-9a-f-]{8,}\b"),  # aggregation tokens
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US SSN / tax id
    re.compile(r"\b\d{2}-\d{7}\b"),  # US EIN
    re.compile(r"\+\d[\d\s().-]{7,}\d"),  # E.164-ish phone numbers
    re.compile(r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"),  # national phone format
    re.compile(r"(?<![\w-])\d{8,17}(?![\w-])"),  # bank account and card-like numbers
]


def redact_text(text: str) -> str:
    """Replace every personal datum or token found in `text` (and named fields' values)."""
    text = _QUOTED_FIELD.sub(r'\1"' + REDACTED + '"', text)
    text = _FORM_FIELD.sub(r"\1" + REDACTED, text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact(value: Any, *, key: str | None = None) -> Any:
    """Return a copy of a JSON-like value with sensitive keys and patterns masked."""
    if key is not None and SENSITIVE_KEYS.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
