"""A bff with one extra slow route, served by the real `serve()`, for the graceful-stop test."""

import asyncio
import sys

from aiohttp import web

from bff.app import create_app
from shared.observability.logging import configure_logging
from shared.process import load_settings_or_exit, serve


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("seconds", "2")))
    return web.json_response({"finished": True})


def main() -> None:
    settings = load_settings_or_exit()
    configure_logging(service="bff", level="INFO")
    app = create_app(settings)
    app.router.add_get("/slow", slow)
    asyncio.run(serve(app, host="127.0.0.1", port=int(sys.argv[1])))


if __name__ == "__main__":
    main()
