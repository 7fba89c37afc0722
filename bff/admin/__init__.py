"""Admin screens: users, member assignment, the audit log."""

from bff.admin.routes import setup

__all__ = ["setup"]
