"""Values reach COPY's text format escaped exactly when they need it."""

import pytest

from gateway.eligibility.staging import _text


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("Ana Silva", "Ana Silva"),
        ("O'Brien, Jr.", "O'Brien, Jr."),
        ("back\\slash", "back\\\\slash"),
        ("tab\there", "tab\\there"),
        ("two\nlines\r", "two\\nlines\\r"),
        (None, "\\N"),
    ],
)
def test_copy_text(value: str | None, sent: str) -> None:
    assert _text(value) == sent
