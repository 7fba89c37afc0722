"""Interactive API docs from the bff's own assets; every other route keeps a strict policy."""

from __future__ import annotations

import re

from bff.web.docs import ASSETS, DOCS_CSP
from shared.web.middlewares import SECURITY_HEADERS


async def test_api_docs_is_swagger_ui_loaded_from_the_bff_itself(client):
    page = await client.get("/api/docs")
    text = await page.text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', text)
    assets = {src: await client.get(src) for src in sources}

    assert page.status == 200 and page.content_type == "text/html"
    assert page.headers["Content-Security-Policy"] == DOCS_CSP
    assert "'unsafe-inline'" not in DOCS_CSP and "'unsafe-eval'" not in DOCS_CSP
    assert "<script>" not in text and "<style" not in text  # nothing inline: the policy holds
    assert all(src.startswith("/api/") for src in sources), sources  # no CDN
    assert set(sources) >= {f"/api/docs/{name}" for name in ASSETS} | {"/api/docs/init.js"}
    for src, response in assets.items():
        assert response.status == 200, src
        assert len(await response.read()) > 0
    bundle = await assets["/api/docs/swagger-ui-bundle.js"].text()
    assert "SwaggerUIBundle" in bundle
    assert "/api/openapi.json" in await assets["/api/docs/init.js"].text()


async def test_every_other_route_keeps_the_strict_default_policy(client, team):
    for path, response in {
        "/api/openapi.json": await client.get("/api/openapi.json"),
        "/api/v1/me": await team.advisor.get("/api/v1/me"),
        "/": await client.get("/"),
        "/api/docs/unknown.js": await client.get("/api/docs/unknown.js"),
    }.items():
        assert (
            response.headers["Content-Security-Policy"]
            == (SECURITY_HEADERS["Content-Security-Policy"])
        ), path
        assert response.headers["X-Frame-Options"] == "DENY", path
    assert (
        SECURITY_HEADERS["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
