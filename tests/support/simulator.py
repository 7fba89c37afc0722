"""Run the provider simulator for a test: in-process on a free port, or as a child process.

`running_simulator()` serves `connectors.simulator.create_app` on a free port
in the test's own loop and hands back a `SimulatorHandle` whose `admin`
scripts faults and reads what the simulator recorded. `SimulatorProcess` runs
`python -m connectors.simulator` for tests (and the benchmark) that want it
out of process. `WebhookRecorder` is a tiny receiver standing in for the
gateway, so tests can check the webhooks the simulator signs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from connectors.simulator import SimulatorConfig, create_app
from tests.support.infra import free_port
from tests.support.processes import RoleProcess


class SimulatorAdmin:
    """The simulator's `/_admin` endpoints, for arranging faults and asserting outcomes."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            response = await client.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    async def set_faults(self, *rules: dict[str, Any], seed: int | None = None) -> None:
        """Replace the fault rules (see `connectors.simulator.faults.FaultRule`)."""
        await self._request("POST", "/_admin/faults", json={"rules": list(rules), "seed": seed})

    async def faults(self) -> list[dict[str, Any]]:
        """The rules in force with their `matched` / `injected` counters."""
        rules: list[dict[str, Any]] = (await self._request("GET", "/_admin/faults")).json()["rules"]
        return rules

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/_admin/faults")

    async def sent_sms(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else {}
        response = await self._request("GET", "/_admin/sms", params=params)
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    async def throttled_sms(self) -> int:
        """Sends refused with 429 / 20429 for going over `sms_sender_limit_per_second`."""
        throttled: int = (await self._request("GET", "/_admin/sms")).json()["throttled"]
        return throttled

    async def webhooks(self, provider: str | None = None) -> list[dict[str, Any]]:
        params = {"provider": provider} if provider else {}
        response = await self._request("GET", "/_admin/webhooks", params=params)
        deliveries: list[dict[str, Any]] = response.json()["deliveries"]
        return deliveries

    async def trigger_invitee(
        self, event: str = "invitee.created", **fields: Any
    ) -> dict[str, Any]:
        response = await self._request(
            "POST", "/_admin/calendly/invitees", json={"event": event, **fields}
        )
        result: dict[str, Any] = response.json()
        return result


@dataclass
class SimulatorHandle:
    """A running simulator: where it listens, its config, and its admin API."""

    url: str
    config: SimulatorConfig
    app: web.Application | None = None

    @property
    def admin(self) -> SimulatorAdmin:
        return SimulatorAdmin(self.url)


class _IsolatedConfig(SimulatorConfig):
    """The simulator config built from arguments only, whatever the environment says."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        *_: PydanticBaseSettingsSource,
        **__: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def simulator_config(**overrides: Any) -> SimulatorConfig:
    """A test config: quick status callbacks, short hangs, nothing read from the environment."""
    defaults: dict[str, Any] = {
        "sms_status_delay_seconds": 0.02,
        "max_hang_seconds": 30.0,
        "transactions_per_account": 20,
    }
    return _IsolatedConfig(**{**defaults, **overrides})


@asynccontextmanager
async def running_simulator(
    config: SimulatorConfig | None = None,
) -> AsyncIterator[SimulatorHandle]:
    """Serve the simulator in this event loop on a free port until the block ends."""
    config = config or simulator_config()
    app = create_app(config)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield SimulatorHandle(url=str(server.make_url("")).rstrip("/"), config=config, app=app)
    finally:
        await server.close()


class SimulatorProcess(RoleProcess):
    """`python -m connectors.simulator` in a child process on a free port."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(["-m", "connectors.simulator"], free_port(), env or {}, log_path)


@dataclass
class ReceivedWebhook:
    """One request the recorder received, with its raw body."""

    path: str
    url: str
    headers: CIMultiDict[str]
    body: bytes


@dataclass
class WebhookRecorder:
    """A stand-in for the gateway that answers 200 and keeps every request it receives."""

    status: int = 200
    received: list[ReceivedWebhook] = field(default_factory=list)
    url: str = ""
    _server: TestServer | None = None

    async def _record(self, request: web.Request) -> web.Response:
        self.received.append(
            ReceivedWebhook(
                path=request.path,
                url=str(request.url),
                headers=CIMultiDict(request.headers),
                body=await request.read(),
            )
        )
        return web.Response(status=self.status)

    async def __aenter__(self) -> WebhookRecorder:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._record)
        self._server = TestServer(app, host="127.0.0.1", port=free_port())
        await self._server.start_server()
        self.url = str(self._server.make_url("")).rstrip("/")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.close()

    def at(self, path: str) -> list[ReceivedWebhook]:
        """What arrived at `path`."""
        return [hook for hook in self.received if hook.path == path]
