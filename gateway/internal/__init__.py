"""The internal API (`/internal/v1`) the bff calls; every route needs the service token."""

from __future__ import annotations

from aiohttp import web

from gateway.internal import linking

PREFIX = "/internal/v1"


def setup(app: web.Application) -> None:
    """Add the internal routes to the gateway web app."""
    app.router.add_post(
        PREFIX + "/members/{member_id}/link-token", linking.create_link_token, name="link_token"
    )
    app.router.add_post(
        PREFIX + "/members/{member_id}/linked-items",
        linking.exchange_public_token,
        name="linked_items",
    )
    app.router.add_post(
        PREFIX + "/linked-items/{linked_item_id}/sync", linking.request_sync, name="sync"
    )
