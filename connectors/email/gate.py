"""The environment gate's rule for email: outside staging and production, only a local SES
stand-in (moto's server, which records what was sent).

The gate itself (`connectors.gate`) is shared with SMS; this module names what is email's own:
AWS's hosts and the error. No endpoint means AWS itself, so it is refused too.
"""

from __future__ import annotations

from connectors.errors import EmailGateError
from connectors.gate import EnvironmentGate, GateRule

# Hosts of the real provider, refused outside staging and production whatever the allow-list says.
REAL_PROVIDER_HOST_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn", "api.aws")


class EmailGate(EnvironmentGate):
    """Decides whether this environment may send email through an SES endpoint."""

    rule = GateRule(
        allowed_action="send email to a local SES stand-in",
        real_provider="AWS",
        real_host_suffixes=REAL_PROVIDER_HOST_SUFFIXES,
        error=EmailGateError,
        provider="ses",
    )
