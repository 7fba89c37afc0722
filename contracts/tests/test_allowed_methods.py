"""Every documented path allows exactly its documented methods.

A client generated from `contracts/openapi/bff.yaml` trusts the `Allow` header of a
405: a method aiohttp would route that the document does not list (say, a GET that a
`{file_id}` route catches on `.../upload-url`) is an undocumented operation.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bff.app import create_app
from contracts.openapi_bff import BFF_OPENAPI
from shared.settings import Settings

SPEC: dict[str, Any] = yaml.safe_load(BFF_OPENAPI.read_text())
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SAMPLE = {"uuid": "0b7a4c3e-2f61-4d1e-9c4b-6f1f2d3e4a5b"}


def _concrete(path: str, operations: dict[str, Any]) -> str:
    """`path` with each parameter filled in by a value its schema accepts."""
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = SAMPLE.get(parameter["schema"].get("format", ""), "sample")
                path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _allowed(app: web.Application, method: str, path: str) -> set[str]:
    """What aiohttp answers for `method` on `path`: its `Allow`, or the method when routed."""
    request = make_mocked_request(method, path, app=app)
    match = asyncio.run(app.router.resolve(request))
    error = match.http_exception
    if isinstance(error, web.HTTPMethodNotAllowed):
        return set(error.allowed_methods)
    assert error is None, f"{method} {path}: {error!r}"
    return {method}


@pytest.mark.parametrize("path", sorted(SPEC["paths"]))
def test_a_405_allows_exactly_the_documented_methods(path):
    app = create_app(Settings())
    operations = {m: op for m, op in SPEC["paths"][path].items() if m in HTTP_METHODS}
    documented = {method.upper() for method in operations}
    concrete = _concrete(path, operations)

    allowed = _allowed(app, "PROPFIND", concrete)

    assert allowed == documented
