"""A member's linked bank accounts, through the gateway's internal API (`gateway_client`)."""

from bff.accounts.gateway_client import gateway_client_context
from bff.accounts.routes import setup

__all__ = ["gateway_client_context", "setup"]
