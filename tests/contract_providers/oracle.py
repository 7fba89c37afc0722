"""The providers' official SDKs pointed at the simulator, and how their answers are compared.

- `plaid_api(url)`: plaid-python's `PlaidApi` on the simulator (its `host` setting). Every
  SDK call is blocking, so tests run it with `asyncio.to_thread` while the simulator serves
  in the test's loop.
- `sdk_parse(api, raw, model)`: the SDK's own deserialiser (type-checked, required fields
  enforced) over raw JSON bytes, the same code path its API calls use.
- `twilio_client(url, sid, token)`: twilio's `Client` whose HTTP client sends what the SDK
  would send to `https://api.twilio.com` to the simulator instead (the SDK's documented
  seam for a custom HTTP client).
- `recorded(name, answer)`: one answer per endpoint kept in `fixtures/<name>.json`.
  `RECORD_PROVIDER_FIXTURES=1` rewrites them; otherwise the committed fixture must have the
  same shape (key paths and JSON types) as the simulator's answer today.
- `agree(ours, theirs)`: every field our client's model reads equals what the SDK read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import plaid
from plaid.api import plaid_api as plaid_api_module
from pydantic import BaseModel, SecretStr
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

FIXTURES = Path(__file__).parent / "fixtures"
TWILIO_API = "https://api.twilio.com"
PLAID_CLIENT_ID = "simulator-plaid-client-id"
PLAID_SECRET = "simulator-plaid-secret"


def plaid_api(url: str) -> plaid_api_module.PlaidApi:
    """The official Plaid client on the simulator (Sandbox-style keys)."""
    configuration = plaid.Configuration(
        host=url, api_key={"clientId": PLAID_CLIENT_ID, "secret": PLAID_SECRET}
    )
    return plaid_api_module.PlaidApi(plaid.ApiClient(configuration))


class _Raw:
    """What the SDK's deserialiser reads from a urllib3 response: `.data` and headers."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return "application/json" if name.lower() == "content-type" else default


def sdk_parse(api: plaid_api_module.PlaidApi, raw: bytes, model: type) -> Any:
    """Deserialise `raw` into the SDK `model` with type checking, as its API calls do."""
    return api.api_client.deserialize(_Raw(raw), (model,), True)


class _SimulatorHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's own HTTP client, with the API host swapped for the simulator's URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base_url = base_url.rstrip("/")
        self.requests: list[tuple[str, str]] = []
        self.last_text = ""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        assert url.startswith(TWILIO_API), url
        target = self.base_url + url.removeprefix(TWILIO_API)
        self.requests.append((method, target))
        response: TwilioResponse = super().request(method, target, *args, **kwargs)
        self.last_text = response.text
        return response


def twilio_client(url: str, account_sid: str, auth_token: str) -> TwilioClient:
    """The official Twilio client whose requests go to the simulator."""
    return TwilioClient(account_sid, auth_token, http_client=_SimulatorHttpClient(url))


def _shape(value: Any, path: str = "$") -> set[str]:
    """Key paths with JSON types; list items are merged so lengths do not matter."""
    if isinstance(value, dict):
        found = {f"{path}:object"}
        for key, item in value.items():
            found |= _shape(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = {f"{path}:array"}
        for item in value:
            found |= _shape(item, f"{path}[]")
        return found
    kind = {bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value), "null" if value is None else type(value).__name__
    )
    return {f"{path}:{kind}"}


def recorded(name: str, answer: bytes) -> bytes:
    """The committed fixture for `name`, checked to be shaped like the simulator's `answer`."""
    path = FIXTURES / f"{name}.json"
    if os.environ.get("RECORD_PROVIDER_FIXTURES") == "1":
        path.write_text(json.dumps(json.loads(answer), indent=2, sort_keys=True) + "\n")
    fixture = path.read_bytes()
    live, kept = _shape(json.loads(answer)), _shape(json.loads(fixture))
    assert live == kept, (
        f"{path.name} no longer matches the simulator's answer (re-record with "
        f"RECORD_PROVIDER_FIXTURES=1): only live {sorted(live - kept)[:8]}, "
        f"only recorded {sorted(kept - live)[:8]}"
    )
    return fixture


def _plain(value: Any) -> Any:
    """Both sides reduced to comparable values: Decimal for numbers, str for enums."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date | str):
        return value
    if hasattr(value, "value") and type(value).__module__.startswith("plaid."):
        return str(value.value)  # the SDK's string enums (AccountType, ...)
    return value


def _sdk_get(theirs: Any, name: str) -> tuple[bool, Any]:
    if isinstance(theirs, dict):
        return name in theirs, theirs.get(name)
    if hasattr(theirs, "get") and type(theirs).__module__.startswith("plaid."):
        present = name in theirs
        return present, theirs.get(name) if present else None
    return hasattr(theirs, name), getattr(theirs, name, None)


def agree(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where our parsed model and the SDK's disagree on a field we read (empty: they agree)."""
    if isinstance(ours, BaseModel):
        problems: list[str] = []
        for name in type(ours).model_fields:
            mine = getattr(ours, name)
            present, other = _sdk_get(theirs, name)
            where = f"{path}.{name}" if path else name
            if not present:
                if mine not in (None, [], False):
                    problems.append(f"{where}: ours {mine!r}, SDK has no such field")
                continue
            problems += agree(mine, other, where)
        return problems
    if isinstance(ours, list):
        if not isinstance(theirs, list) or len(ours) != len(theirs):
            return [f"{path}: ours {len(ours)} items, SDK {theirs!r:.80}"]
        return [
            p
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
            for p in agree(a, b, f"{path}[{i}]")
        ]
    if isinstance(ours, dt.datetime) and isinstance(theirs, str):
        theirs = dt.datetime.fromisoformat(theirs.replace("Z", "+00:00"))  # plain JSON side
    mine, other = _plain(ours), _plain(theirs)
    return [] if mine == other else [f"{path}: ours {mine!r}, SDK {other!r}"]
