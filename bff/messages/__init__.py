"""An advisor's SMS to a member."""

from bff.messages.routes import setup

__all__ = ["setup"]
