"""The environment gate's rule for SMS: outside staging and production, only the provider simulator.

The gate itself (`connectors.gate`) is shared with email; this module names what is
SMS's own: the real provider's hosts and the error. The client checks it right before every
send, so no configuration mistake can reach a member's phone from a laptop or CI.
"""

from __future__ import annotations

from connectors.errors import SmsGateError
from connectors.gate import EnvironmentGate, GateRule

# Hosts of the real provider, refused outside staging and production whatever the allow-list says.
REAL_PROVIDER_HOST_SUFFIXES = ("twilio.com",)


class SmsGate(EnvironmentGate):
    """Decides whether this environment may send an SMS request to a URL (the simulator's)."""

    rule = GateRule(
        allowed_action="send SMS to the provider simulator",
        real_provider="Twilio",
        real_host_suffixes=REAL_PROVIDER_HOST_SUFFIXES,
        error=SmsGateError,
        provider="sms",
    )
