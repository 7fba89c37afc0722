"""Admin screens for employers and their eligibility files, with a file's live progress."""

from aiohttp import web

from bff.employers import file_events, routes


def setup(app: web.Application) -> None:
    """Add the employer and eligibility-file routes, then the file progress stream."""
    routes.setup(app)
    file_events.setup(app)


__all__ = ["setup"]
