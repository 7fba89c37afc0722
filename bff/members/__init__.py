"""The member screen family: the list, the screen, its live events, notes and risk profiles.

Features that act on one member (messages, appointments, linked accounts, admin)
build on this package through the names exported here, never its modules (an
import-linter contract keeps it so): who may see a member, the member screen's
models, the screen as a response, and the change feed file streams also listen to.
"""

from aiohttp import web

from bff.members import events, risk_profiles, routes
from bff.members.access import MemberRef, visible_member
from bff.members.change_feed import FEED, FeedUnavailable
from bff.members.models import (
    AccessType,
    AppointmentOut,
    EmployerRef,
    LinkedItemOut,
    MemberScreen,
    MessageOut,
)
from bff.members.routes import screen_response


def setup(app: web.Application) -> None:
    """Add the member routes, the live member page and the risk profiles."""
    routes.setup(app)
    events.setup(app)
    risk_profiles.setup(app)


__all__ = [
    "FEED",
    "AccessType",
    "AppointmentOut",
    "EmployerRef",
    "FeedUnavailable",
    "LinkedItemOut",
    "MemberRef",
    "MemberScreen",
    "MessageOut",
    "screen_response",
    "setup",
    "visible_member",
]
