"""The OpenAPI document is built from every registered endpoint (no I/O)."""

from __future__ import annotations

from bff.app import create_app
from bff.web.api import ENDPOINTS
from bff.web.openapi import build_openapi
from shared.settings import Settings


def test_every_endpoint_is_documented_with_its_problems_and_money_as_strings():
    app = create_app(Settings())
    spec = build_openapi(app[ENDPOINTS])

    operations = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]
    assert len(operations) == len(app[ENDPOINTS])
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            assert "default" in operation["responses"]
    account = spec["components"]["schemas"]["AccountOut"]["properties"]["current_balance"]
    assert {"type": "string"} in account["anyOf"]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
