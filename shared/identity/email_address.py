"""An email address as the API takes it: a loose shape check, the same in every engine.

The pattern spells its excluded characters as code-point ranges (ASCII space and controls,
DEL and the C1 controls) rather than `\\s`, whose meaning differs between ECMA-262 (JSON
Schema, so generated clients), Python's `re` and pydantic's Rust engine: with `\\s` the
schema accepted addresses (a NEL, U+0085, in them) that the code refused.
"""

from typing import Annotated

from pydantic import Field

_NOT_IN_AN_ADDRESS = r"@\x00-\x20\x7f-\x9f"
EMAIL_PATTERN = rf"^[^{_NOT_IN_AN_ADDRESS}]+@[^{_NOT_IN_AN_ADDRESS}]+\.[^{_NOT_IN_AN_ADDRESS}]+$"

EmailAddress = Annotated[str, Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]
