"""The bff's OpenAPI 3.1 document, generated from its endpoints' pydantic models.

`contracts/openapi_bff.py` writes it to `contracts/openapi/bff.yaml` (a test fails
when the committed file drifts from the code); `/api/openapi.json` serves it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bff.web.api import Access, Endpoint
from bff.web.session_auth import CSRF_HEADER, SECURE_SESSION_COOKIE, SESSION_COOKIE
from shared import __version__
from shared.storable_text import NO_NUL_PATTERN

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names invalid fields on 422.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}


def _models(endpoints: list[Endpoint]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    keys: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for endpoint in endpoints:
        for model in (endpoint.body, endpoint.query):
            if model is not None:
                keys[(model, "validation")] = None
        for response in endpoint.responses.values():
            if response is not None:
                keys[(response, "serialization")] = None
    return sorted(keys, key=lambda key: (key[0].__module__, key[0].__qualname__, key[1]))


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


# `read_body`/`read_query` refuse text Postgres cannot store (`shared.storable_text`).
# Free text says so in the schema.
NO_NUL = NO_NUL_PATTERN


def _refuse_nul(node: object, schemas: dict[str, Any], seen: set[str]) -> None:
    """Give every free-text string schema a request reaches from `node` (following `$ref`s
    into `schemas`) the NO_NUL pattern, in place; responses keep theirs as they are."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF.split("{", 1)[0]):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _refuse_nul(schemas[name], schemas, seen)
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_NUL
        for value in node.values():
            _refuse_nul(value, schemas, seen)
    elif isinstance(node, list):
        for value in node:
            _refuse_nul(value, schemas, seen)


def build_openapi(endpoints: list[Endpoint]) -> dict[str, Any]:
    """The OpenAPI document of these endpoints."""
    refs, defs = models_json_schema(_models(endpoints), ref_template=_REF)
    schemas: dict[str, Any] = dict(sorted(defs.get("$defs", {}).items()))
    seen: set[str] = set()
    for endpoint in endpoints:
        for model in (endpoint.body, endpoint.query):
            if model is not None:
                _refuse_nul(refs[(model, "validation")], schemas, seen)
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in sorted(endpoints, key=lambda e: (e.path, e.method)):
        operation: dict[str, Any] = {
            "operationId": endpoint.handler.__name__,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
        }
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
            }
            for name in _PATH_PARAM.findall(endpoint.path)
        ]
        if endpoint.query is not None:
            query_ref = refs[(endpoint.query, "validation")]["$ref"].rsplit("/", 1)[-1]
            parameters += _query_parameters(schemas.pop(query_ref))
        if parameters:
            operation["parameters"] = parameters
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
            }
        responses: dict[str, Any] = {}
        for status, model in sorted(endpoint.responses.items()):
            response: dict[str, Any] = {"description": endpoint.summary}
            if model is not None:
                response["content"] = {
                    endpoint.media_type: {"schema": refs[(model, "serialization")]}
                }
            responses[str(status)] = response
        if endpoint.rate_limited:
            responses["429"] = {
                "description": "Throttled: retry after the given number of seconds",
                "headers": {"Retry-After": {"required": True, "schema": {"type": "string"}}},
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        responses["default"] = {
            "description": "A problem (4xx: the request; 502/503: a dependency)",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        operation["responses"] = responses
        if endpoint.access is Access.PUBLIC:
            operation["security"] = []
        elif endpoint.method != "GET":
            operation["security"] = [{"session": [], "csrf": []}]
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Origin advisor workspace API (bff)",
            "version": __version__,
            "description": (
                "The only API the advisor console calls. Sign in with `POST /api/v1/auth/login`;"
                f" the `{SESSION_COOKIE}` cookie (`{SECURE_SESSION_COOKIE}` in staging and"
                " production) carries the session and every unsafe method"
                f" needs the `{CSRF_HEADER}` header with the `csrf_token` sign-in returned."
                " Money is a decimal string (a whole number is also taken); times are ISO 8601"
                " with an offset. Text may not contain NUL characters or unpaired surrogates."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
            },
        },
        "security": [{"session": []}],
    }
