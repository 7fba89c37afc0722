"""Capture what Sentry would send: a transport that keeps each serialized envelope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from shared.observability.sentry import init_sentry
from shared.settings import Settings

# Never contacted: the capture transport replaces the HTTP one.
FAKE_DSN = "https://public@sentry.invalid/1"


class CaptureTransport(Transport):
    """Keeps every envelope as the bytes that would go over the wire."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[bytes] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope.serialize())

    def events(self) -> list[bytes]:
        """Envelopes that carry an error event (not sessions or client reports)."""
        return [raw for raw in self.envelopes if b'"type":"event"' in raw]

    def everything(self) -> str:
        return b"\n".join(self.envelopes).decode("utf-8", errors="replace")


@contextmanager
def capturing_sentry(settings: Settings, *, service: str = "bff") -> Iterator[CaptureTransport]:
    """Sentry started as production starts it, but into a `CaptureTransport`; stopped after."""
    transport = CaptureTransport()
    started = init_sentry(
        settings.model_copy(update={"sentry_dsn": SecretStr(FAKE_DSN)}),
        service=service,
        release="test",
        transport=transport,
    )
    assert started
    try:
        yield transport
    finally:
        client = sentry_sdk.get_client()
        client.flush(timeout=5)
        client.close()
        sentry_sdk.get_global_scope().set_client(None)
