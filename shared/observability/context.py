"""Per-request and per-message identifiers that every log line carries."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

IdTokens = tuple[Token[str | None], Token[str | None]]

_VARIANT = {f"{digit:x}": "89ab"[digit & 3] for digit in range(16)}


def new_id() -> str:
    """A fresh random identifier for a request, message or correlation chain.

    A random (version 4) UUID in its usual text form, as `str(uuid.uuid4())` gives,
    formatted from the random bytes' hex directly: every request makes one, and the
    `UUID` object cost four times as much as the bytes.
    """
    text = os.urandom(16).hex()
    # Digit 12 is the version (4); digit 16 keeps its two low random bits under the
    # RFC 4122 variant bits (10xx): 122 random bits, as in `uuid.uuid4()`.
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:]}"


def bind_ids(*, request_id: str | None, correlation_id: str | None) -> IdTokens:
    """Bind identifiers until `reset_ids` (the request middleware's form of `bound_ids`)."""
    return request_id_var.set(request_id), correlation_id_var.set(correlation_id)


def reset_ids(tokens: IdTokens) -> None:
    """Restore the identifiers bound before `bind_ids`."""
    request_token, correlation_token = tokens
    request_id_var.reset(request_token)
    correlation_id_var.reset(correlation_token)


@contextmanager
def bound_ids(*, request_id: str | None, correlation_id: str | None) -> Iterator[None]:
    """Bind identifiers for the duration of a request or message handler."""
    tokens = bind_ids(request_id=request_id, correlation_id=correlation_id)
    try:
        yield
    finally:
        reset_ids(tokens)
