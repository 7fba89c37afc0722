"""The claimed send the SMS and email flows share: claim a message before calling its provider.

A message is sent at most once because its row moves `requested -> sending` in
a transaction of its own, committed before the provider is called, through the
small claims pool (the handler already holds a connection of the main pool for
its own transaction, so a second one from that pool could starve it). A
redelivered or repeated request that finds the row past `requested` sends
nothing; a failure that proves nothing was sent gives the claim back, so a
retry may send. What happens between claim and outcome is each flow's own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.database import Cursor, Pool, transaction
from shared.messaging.errors import PermanentFailure

Claimed = TypeVar("Claimed")


@dataclass(frozen=True)
class ClaimedSend(Generic[Claimed]):
    """One kind of message's claim, status and release (its table owner's functions)."""

    kind: str  # names the message in log lines ("sms", "email")
    noun: str  # names it in a permanent failure ("SMS", "email")
    claim: Callable[[Cursor, uuid.UUID], Awaitable[Claimed | None]]
    status_of: Callable[[Cursor, uuid.UUID], Awaitable[str | None]]
    release: Callable[[Cursor, uuid.UUID], Awaitable[None]]
    log: logging.Logger  # the flow's logger, so its lines keep their name

    async def take(self, claims_pool: Pool, cur: Cursor, message_id: uuid.UUID) -> Claimed | None:
        """Claim the message (committed at once); None when it is already past `requested`.

        `PermanentFailure` when there is no such message; `cur` is the handler's own.
        """
        async with transaction(claims_pool) as claim_cur:
            claimed = await self.claim(claim_cur, message_id)
        if claimed is None:
            status = await self.status_of(cur, message_id)
            if status is None:
                raise PermanentFailure(f"no {self.noun} message {message_id}")
            self.log.info(
                f"{self.kind} already past requested, not sending again", extra={"status": status}
            )
        return claimed

    async def give_back(self, claims_pool: Pool, message_id: uuid.UUID) -> None:
        """Release the claim after a failure that proves nothing was sent (committed at once)."""
        async with transaction(claims_pool) as cur:
            await self.release(cur, message_id)
