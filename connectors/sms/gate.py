"""The run book's rule: only staging and production may dispatch SMS to members.

In `local` and `test` the connector sends only to the provider simulator: the
request URL's origin must be one of the configured simulator base URLs, and a
real provider host is refused even if someone lists it there. The check runs
in the client right before every send, so no configuration mistake can reach
a member's phone from a laptop or CI.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from connectors.errors import SmsGateError
from shared.settings import AppEnv

# Hosts of the real provider, refused outside staging and production whatever the allow-list says.
REAL_PROVIDER_HOST_SUFFIXES = ("twilio.com",)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), port)


class SmsGate:
    """Decides whether this environment may send an SMS request to a URL."""

    def __init__(self, app_env: AppEnv, simulator_urls: Iterable[str]) -> None:
        self.app_env = app_env
        self._allowed = frozenset(_origin(httpx.URL(url)) for url in simulator_urls)

    def check(self, url: str, *, provider: str = "sms", operation: str = "send") -> None:
        """Raise `SmsGateError` unless this environment may send to `url`."""
        if self.app_env.is_deployed:
            return
        target = httpx.URL(url)
        host = target.host.lower()
        is_real = any(
            host == suffix or host.endswith("." + suffix) for suffix in REAL_PROVIDER_HOST_SUFFIXES
        )
        if is_real or _origin(target) not in self._allowed:
            raise SmsGateError(
                provider,
                operation,
                f"APP_ENV={self.app_env.value} may only send SMS to the provider simulator "
                f"({', '.join(sorted(f'{s}://{h}:{p}' for s, h, p in self._allowed))}), "
                f"not {target.scheme}://{host}",
            )
