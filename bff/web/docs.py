"""API documentation: `/api/openapi.json` and Swagger UI at `/api/docs`, served from the image.

Swagger UI's files come from the `swagger-ui-py` package (PyPI), never from a CDN.
The page has no inline script or style, so its content security policy stays
strict: scripts, styles and calls only from this origin. Every other route keeps
the default policy (`default-src 'none'`). "Try it out" calls the API with the
browser's session cookie; unsafe methods need the `X-CSRF-Token` (Authorize).
"""

from __future__ import annotations

import html
import importlib.util
import json
from pathlib import Path

from aiohttp import web

from bff.web.api import ENDPOINTS
from bff.web.openapi import build_openapi

# Filled on first use (every route is registered by then); a dict, as a started app is frozen.
_OPENAPI: web.AppKey[dict[str, bytes]] = web.AppKey("openapi_json")

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none';"
    " form-action 'none'"
)
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
}
_INIT_JS = b"""window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    withCredentials: true,
    tryItOutEnabled: false,
  });
});
"""


def swagger_ui_dir() -> Path:
    """Where the installed `swagger-ui-py` keeps Swagger UI's built files."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed (requirements/base.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _document(app: web.Application) -> bytes:
    cache = app[_OPENAPI]
    if "json" not in cache:
        cache["json"] = json.dumps(build_openapi(app[ENDPOINTS]), indent=2).encode()
    return cache["json"]


async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI document."""
    return web.Response(body=_document(request.app), content_type="application/json")


async def docs_page(request: web.Request) -> web.Response:
    """Swagger UI on the bff's own OpenAPI document."""
    spec = json.loads(_document(request.app))
    title = html.escape(f"{spec['info']['title']} {spec['info']['version']}")
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        '<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head><body>'
        '<main id="swagger-ui"></main>'
        "<noscript><p>The interactive explorer needs JavaScript. The document itself:"
        ' <a href="/api/openapi.json">/api/openapi.json</a>'
        " (committed as contracts/openapi/bff.yaml).</p></noscript>"
        '<script src="/api/docs/swagger-ui-bundle.js"></script>'
        '<script src="/api/docs/init.js"></script>'
        "</body></html>"
    )
    return web.Response(text=page, content_type="text/html", headers=_docs_headers())


async def docs_init(request: web.Request) -> web.Response:
    """The page's start-up script (a file, so the policy needs no 'unsafe-inline')."""
    return web.Response(body=_INIT_JS, content_type="text/javascript", headers=_docs_headers())


async def docs_asset(request: web.Request) -> web.StreamResponse:
    """One of Swagger UI's files, from the installed package."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    headers = {**_docs_headers(), "Content-Type": ASSETS[name]}
    headers["Cache-Control"] = "public, max-age=86400"
    return web.FileResponse(swagger_ui_dir() / name, headers=headers)


def _docs_headers() -> dict[str, str]:
    return {"Content-Security-Policy": DOCS_CSP}


def setup(app: web.Application) -> None:
    """Add the documentation routes (public, like the health check)."""
    app[_OPENAPI] = {}
    app.router.add_get("/api/openapi.json", openapi_json)
    app.router.add_get("/api/docs", docs_page)
    app.router.add_get("/api/docs/init.js", docs_init)
    app.router.add_get("/api/docs/{name}", docs_asset)
