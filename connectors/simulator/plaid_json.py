"""JSON with exact money: `Decimal` written as a bare JSON number, never through a float."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from aiohttp import web

_MARK = "\x00decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    if isinstance(value, dict):
        return {key: _mark(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mark(item) for item in value]
    return value


def dumps(value: Any) -> str:
    """Serialise `value`, writing each Decimal as the number it is (`110.50`, not `110.5`)."""
    return _MARKED.sub(r"\1", json.dumps(_mark(value)))


def json_response(value: Any, *, status: int = 200) -> web.Response:
    """A JSON response whose Decimals keep every digit."""
    return web.Response(text=dumps(value), status=status, content_type="application/json")
