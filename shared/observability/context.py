"""Per-request and per-message identifiers that every log line carries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_id() -> str:
    """A fresh random identifier for a request, message or correlation chain."""
    return str(uuid.uuid4())


@contextmanager
def bound_ids(*, request_id: str | None, correlation_id: str | None) -> Iterator[None]:
    """Bind identifiers for the duration of a request or message handler."""
    request_token = request_id_var.set(request_id)
    correlation_token = correlation_id_var.set(correlation_id)
    try:
        yield
    finally:
        request_id_var.reset(request_token)
        correlation_id_var.reset(correlation_token)
