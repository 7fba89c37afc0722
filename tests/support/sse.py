"""Reading server-sent events from an open aiohttp client response, in tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse


@dataclass
class Event:
    id: int  # -1: the event had no id
    event: str
    data: Any


class EventStream:
    """The events of one response, parsed as the browser's EventSource would."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 5.0) -> Event:
        """The next event (comments such as heartbeats skipped); EOFError when it closed."""
        async with asyncio.timeout(timeout):
            fields: dict[str, list[str]] = {}
            while True:
                raw = await self.response.content.readline()
                if not raw:
                    raise EOFError("stream closed")
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "event" in fields or "data" in fields:
                        data = json.loads("\n".join(fields.get("data", [])))
                        ids = fields.get("id")
                        return Event(int(ids[0]) if ids else -1, fields["event"][0], data)
                    fields = {}
                    continue
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))

    async def nothing_within(self, seconds: float) -> None:
        with pytest.raises(TimeoutError):
            await self.next(timeout=seconds)
