"""Text that Postgres can store: any string without the NUL character (or a lone surrogate).

Postgres `text` (and `jsonb`) refuses U+0000, so a NUL that got past the edge
becomes a 500 deep in a handler. Models of what we receive type such fields as
`StorableText`: the NUL is refused where the request is read (a 4xx), and the
`pattern` puts the same rule in the published JSON Schema. `is_storable` is the
same rule for code that reads text without a model (it also refuses lone surrogates,
which cannot be encoded as UTF-8).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# Any run of characters but U+0000, written so JSON Schema (ECMA) and pydantic read it alike.
NO_NUL_PATTERN = r"^[^\u0000]*$"

# pydantic itself refuses lone surrogates in a `str`, so the pattern is all a model needs.
StorableText = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN)]


def is_storable(text: str) -> bool:
    """Whether `text` can go into a Postgres text column as it is."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
