"""The hosted "link" page: a stand-in for the aggregator's account-linking UI.

`GET /link?token=<link_token>` shows the seeded institutions; submitting the
form creates an item and its public token. When the link token was created
with a `redirect_uri`, the browser is sent there with `public_token` and
`institution_id` in the query; otherwise a page shows the token and posts it
to `window.opener` (the webapp's popup flow).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
from aiohttp import web

from connectors.simulator import seed_data
from connectors.simulator.plaid import PLAID, LinkSession, PlaidError, link_item


def _session(request: web.Request, token: str) -> LinkSession:
    session = request.app[PLAID].links.get(token)
    if session is None or session.expires < datetime.now(UTC):
        raise web.HTTPNotFound(text="This link token is unknown or expired.")
    return session


@aiohttp_jinja2.template("link.html")
async def show(request: web.Request) -> dict[str, Any]:
    """The institution picker for a link token."""
    session = _session(request, request.query.get("token", ""))
    return {"link_token": session.link_token, "institutions": seed_data.INSTITUTIONS}


async def complete(request: web.Request) -> web.StreamResponse:
    """Link the chosen institution and hand the public token back."""
    form = await request.post()
    session = _session(request, str(form.get("token", "")))
    bank = seed_data.institution(str(form.get("institution_id", "")))
    if bank is None:
        raise web.HTTPBadRequest(text="Choose one of the listed institutions.")
    try:
        public_token = link_item(
            request.app,
            bank,
            session.webhook,
            username=str(form.get("username", "")),
            password=str(form.get("password", "")),
        )
    except PlaidError as exc:
        raise web.HTTPBadRequest(text=f"The bank refused the sign-in ({exc.error_code}).") from None
    if session.redirect_uri:
        query = urlencode({"public_token": public_token, "institution_id": bank.institution_id})
        separator = "&" if urlsplit(session.redirect_uri).query else "?"
        raise web.HTTPFound(f"{session.redirect_uri}{separator}{query}")
    result = {
        "public_token": public_token,
        "metadata": {"institution": {"institution_id": bank.institution_id, "name": bank.name}},
    }
    context = {
        "institution": bank,
        "public_token": public_token,
        "result": result,
        # A sandbox token for a local tool: any opener may receive it.
        "target_origin": "*",
    }
    return aiohttp_jinja2.render_template("link_done.html", request, context)


def setup(app: web.Application) -> None:
    """Add the link page routes (the Jinja2 environment is set up by the app factory)."""
    app.router.add_get("/link", show)
    app.router.add_post("/link/complete", complete)
