"""Outbound webhook delivery: post signed callbacks to the gateway and remember what happened.

One `aiohttp.ClientSession` per app (opened and closed by the app's cleanup
context). Deliveries run as background tasks the sender tracks, so a stopping
simulator cancels them instead of leaking them; each outcome is recorded for
`GET /_admin/webhooks`, which tests poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver a webhook, as tests see it."""

    provider: str
    kind: str
    url: str
    status: int | None
    error: str | None
    sent_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class WebhookSender:
    """Posts webhooks with one client session and records every delivery."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._tasks: set[asyncio.Task[None]] = set()
        self.deliveries: list[Delivery] = []

    async def post(
        self,
        *,
        provider: str,
        kind: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
    ) -> Delivery:
        """Post `body` to `url` once and record the outcome (never raises on failure)."""
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(url, data=body, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = type(exc).__name__
        delivery = Delivery(
            provider=provider,
            kind=kind,
            url=url,
            status=status,
            error=error,
            sent_at=datetime.now(UTC).isoformat(),
        )
        self.deliveries.append(delivery)
        log.info(
            "webhook delivered" if error is None else "webhook delivery failed",
            extra={"provider": provider, "kind": kind, "status": status, "error": error},
        )
        return delivery

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, kept referenced until done and cancelled on close."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Cancel pending deliveries and close the session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._session.close()
