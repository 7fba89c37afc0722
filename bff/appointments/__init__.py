"""Appointments between a member and their advisor."""

from bff.appointments.routes import setup

__all__ = ["setup"]
