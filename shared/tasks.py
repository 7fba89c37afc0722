"""Stopping background tasks so that shutdown cannot hang on one of them."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[Any], *, timeout: float = 5.0) -> bool:
    """Cancel `task` and wait until it ends; True if it did within `timeout` seconds.

    A library that swallows one cancellation (a connect in progress, `wait_for`
    racing a result) is cancelled again, so a stopping role never waits forever.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.warning("background task did not stop", extra={"task": task.get_name()})
            return False
        task.cancel()
        await asyncio.wait([task], timeout=min(0.5, remaining))
    if not task.cancelled() and task.exception() is not None:
        log.error("background task had failed", exc_info=task.exception())
    return True
