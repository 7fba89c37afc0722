"""Calculators for advisors (nothing stored)."""

from bff.tools.routes import setup

__all__ = ["setup"]
