"""RFC 9457 problem details: the one shape every error response takes."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    *,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> web.Response:
    """Build an `application/problem+json` response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return web.Response(
        status=status,
        body=json.dumps(body, default=str).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def validation_problem(exc: ValidationError) -> web.Response:
    """422 naming each invalid field, without echoing the submitted values."""
    errors = [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors(include_input=False, include_url=False, include_context=False)
    ]
    fields = ", ".join(error["field"] or "body" for error in errors)
    return problem_response(
        422, "Invalid request", detail=f"Invalid fields: {fields}", errors=errors
    )
