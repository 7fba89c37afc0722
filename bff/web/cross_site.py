"""Refuse cross-site calls to the public unsafe endpoints (login CSRF).

Sign-in and sign-up carry no session, so no CSRF token can protect them: a page on
another site could post a form that signs the victim's browser into the attacker's
account. Browsers say where a request comes from: `Sec-Fetch-Site` (`cross-site`
is refused) and `Origin` (it must name this host, the one the browser addressed;
`null`, sent by sandboxed documents and some redirects, is refused). A request
with neither header is not from a browser's cross-site form, so it is let through
(curl, the contract tests). JSON bodies must also be declared `application/json`
(`bff.web.api.read_body`), which a cross-site form cannot send without a CORS preflight.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

ALLOWED_FETCH_SITES = frozenset({"same-origin", "same-site", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(host: str, scheme: str | None) -> tuple[str, int | None]:
    parts = urlsplit(f"//{host}")
    port = parts.port if parts.port is not None else _DEFAULT_PORTS.get(scheme or "")
    return (parts.hostname or "").lower(), port


def cross_site_reason(request: web.Request) -> str | None:
    """Why this request looks cross-site, or None when it does not."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site.lower() not in ALLOWED_FETCH_SITES:
        return "Sec-Fetch-Site is cross-site"
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    if origin.strip().lower() == "null":
        return "Origin is null"
    try:
        parts = urlsplit(origin.strip())
        origin_host, origin_port = _host_and_port(parts.netloc, parts.scheme)
        target_host, target_port = _host_and_port(request.host, parts.scheme)
    except ValueError:
        return "Origin is not a URL"
    if not origin_host or (origin_host, origin_port) != (target_host, target_port):
        return "Origin is another site"
    return None
