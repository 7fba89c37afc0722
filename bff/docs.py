"""API documentation: `/api/openapi.json` and a plain HTML listing at `/api/docs`.

No JavaScript and no CDN (the content security policy allows neither): the page
lists every operation with its summary and links to the JSON document.
"""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

from bff.keys import ENDPOINTS
from bff.openapi import build_openapi

_OPENAPI = web.AppKey("openapi_json", bytes)


def _document(app: web.Application) -> bytes:
    if _OPENAPI not in app:
        app[_OPENAPI] = json.dumps(build_openapi(app[ENDPOINTS]), indent=2).encode()
    return app[_OPENAPI]


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI document."""
    return web.Response(body=_document(request.app), content_type="application/json")


def _page(spec: dict[str, Any]) -> str:
    rows = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code>"
                f"</td><td>{html.escape(operation['summary'])}</td>"
                f"<td>{', '.join(sorted(operation['responses']))}</td></tr>"
            )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(spec['info']['title'])}</title></head><body>"
        f"<h1>{html.escape(spec['info']['title'])} {html.escape(spec['info']['version'])}</h1>"
        f"<p>{html.escape(spec['info']['description'])}</p>"
        "<p>Machine-readable: <a href=/api/openapi.json>/api/openapi.json</a>"
        " (committed as contracts/openapi/bff.yaml).</p>"
        "<table border=1><tr><th>method</th><th>path</th><th>what</th><th>responses</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )


async def docs_page(request: web.Request) -> web.Response:
    """A readable listing of the API."""
    spec = json.loads(_document(request.app))
    return web.Response(text=_page(spec), content_type="text/html")


def setup(app: web.Application) -> None:
    """Add the documentation routes (public, like the health check)."""
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", docs_page)
