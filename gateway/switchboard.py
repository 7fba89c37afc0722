"""Operator switches applied to the worker: pause and resume one connector's consumers.

The switch poller reads the `switches` table every couple of seconds and holds
or releases the queues each switch governs. A held queue is not consumed, so
its messages wait there; nothing is lost. The runner used here also keeps a
held queue paused across broker reconnects (the base runner resumes every
queue when it reconnects). The same tick records this process's circuit
breakers for the ops page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Iterable

from connectors.policy import ProviderPolicy
from shared import switches
from shared.database import Pool, connection_cursor, transaction
from shared.messaging.consumer import ConsumerRunner
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

# Which queues each switch pauses (one switch per connector).
SWITCHED_QUEUES: dict[str, tuple[str, ...]] = {
    "sms.dispatch": ("gateway.sms",),
    "aggregation.sync": ("gateway.accounts",),
    "scheduling.sync": ("gateway.scheduling",),
}
DEFAULT_POLL_SECONDS = 2.0


def held_queues(states: dict[str, bool], consumed: Iterable[str]) -> set[str]:
    """The queues to hold for these switch states, among the ones this worker consumes."""
    consumed = set(consumed)
    return {
        queue
        for name, enabled in states.items()
        if not enabled
        for queue in SWITCHED_QUEUES.get(name, ())
        if queue in consumed
    }


def instance_name(role: str) -> str:
    """How this process names itself in `provider_breakers`."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


class SwitchPoller:
    """Background task: apply switches to the runner, report breakers, every `interval`."""

    def __init__(
        self,
        pool: Pool,
        runner: ConsumerRunner,
        queues: Iterable[str],
        *,
        policies: Iterable[ProviderPolicy] = (),
        instance: str,
        interval: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        self._pool = pool
        self._runner = runner
        self._queues = set(queues)
        self._policies = tuple(policies)
        self._instance = instance
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self.states: dict[str, bool] = {}

    async def load(self) -> None:
        """Read the switches once and mark held queues, before consuming starts.

        When the switches cannot be read, every switched queue is held until the
        first successful poll: an operator's "off" is never ignored at start-up.
        """
        try:
            async with connection_cursor(self._pool) as cur:
                self.states = await switches.read_states(cur)
        except Exception:
            log.warning("switches unreadable at start; holding switched queues", exc_info=True)
            self.states = {name: False for name in switches.KNOWN_SWITCHES}
        for queue in held_queues(self.states, self._queues):
            self._runner.hold(queue)

    def start(self) -> None:
        """Poll in the background until `stop`."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="switch-poller")

    async def stop(self) -> None:
        """Stop polling and forget this process's breaker rows."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        with contextlib.suppress(Exception):
            async with transaction(self._pool) as cur:
                await cur.execute(
                    "DELETE FROM provider_breakers WHERE instance = %s", (self._instance,)
                )

    async def tick(self) -> None:
        """One poll: apply switch states, record breaker snapshots."""
        async with connection_cursor(self._pool) as cur:
            states = await switches.read_states(cur)
        if states != self.states:
            log.info("switches changed", extra={"switches": states})
        self.states = states
        await self._runner.apply_holds(held_queues(states, self._queues))
        if self._policies:
            await self._report_breakers()

    async def _report_breakers(self) -> None:
        async with transaction(self._pool) as cur:
            for policy in self._policies:
                snapshot = policy.snapshot()
                await cur.execute(
                    "INSERT INTO provider_breakers (instance, provider, state, snapshot,"
                    " updated_at) VALUES (%s, %s, %s, %s, now())"
                    " ON CONFLICT (instance, provider) DO UPDATE"
                    " SET state = EXCLUDED.state, snapshot = EXCLUDED.snapshot, updated_at = now()",
                    (
                        self._instance,
                        policy.provider,
                        snapshot["breaker"],
                        json.dumps(snapshot, default=str),
                    ),
                )

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                # A database or broker blip: keep the last states and try again next tick.
                log.warning("switch poll failed", exc_info=True)
            await asyncio.sleep(self._interval)
