"""Operator switches (partial shutdown): named on/off flags in the `switches` table.

A switch that has no row is on: switches exist to stop something, so the
system runs normally until an operator says otherwise. Each switch pauses the
consumers of one connector in the worker (messages wait in their queues).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.database import Cursor

# Every switch ops may flip, and what turning it off does.
KNOWN_SWITCHES: dict[str, str] = {
    "sms.dispatch": "send SMS through the SMS provider (queue gateway.sms)",
    "aggregation.sync": "link, sync and item updates at the aggregator (queue gateway.accounts)",
    "scheduling.sync": "apply booking webhooks from the scheduler (queue gateway.scheduling)",
}


class UnknownSwitch(ValueError):
    """The name is not one of `KNOWN_SWITCHES`."""


@dataclass(frozen=True)
class Switch:
    """One switch as ops see it."""

    name: str
    enabled: bool
    description: str
    updated_at: datetime | None = None
    updated_by: str | None = None


async def read_states(cur: Cursor) -> dict[str, bool]:
    """Name -> enabled for every known switch (missing rows are on)."""
    await cur.execute("SELECT name, enabled FROM switches")
    stored = {name: bool(enabled) for name, enabled in await cur.fetchall()}
    return {name: stored.get(name, True) for name in KNOWN_SWITCHES}


async def list_switches(cur: Cursor) -> list[Switch]:
    """Every known switch with its state and who changed it last."""
    await cur.execute("SELECT name, enabled, updated_at, updated_by FROM switches")
    rows = {row[0]: row for row in await cur.fetchall()}
    switches = []
    for name, description in KNOWN_SWITCHES.items():
        row = rows.get(name)
        if row is None:
            switches.append(Switch(name, True, description))
        else:
            switches.append(Switch(name, bool(row[1]), description, row[2], row[3]))
    return switches


async def set_switch(cur: Cursor, name: str, *, enabled: bool, updated_by: str) -> None:
    """Turn a known switch on or off (an upsert, safe to repeat)."""
    if name not in KNOWN_SWITCHES:
        raise UnknownSwitch(name)
    await cur.execute(
        "INSERT INTO switches (name, enabled, updated_at, updated_by) VALUES (%s, %s, now(), %s)"
        " ON CONFLICT (name) DO UPDATE"
        " SET enabled = EXCLUDED.enabled, updated_at = now(), updated_by = EXCLUDED.updated_by",
        (name, enabled, updated_by),
    )
