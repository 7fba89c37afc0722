"""The run book's rule, for email: only staging and production send real email.

In `local` and `test` the connector sends only to a local SES stand-in (moto's
server, which records what was sent): the endpoint must be configured, its
origin must be one of the allowed stand-in URLs, and an AWS host is refused
even if someone lists it there. No endpoint means AWS itself, so it is refused
too. The check runs in the client right before every send, so no configuration
mistake can email a real person from a laptop or CI.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from connectors.errors import EmailGateError
from shared.settings import AppEnv

# Hosts of the real provider, refused outside staging and production whatever the allow-list says.
REAL_PROVIDER_HOST_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn", "api.aws")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), port)


class EmailGate:
    """Decides whether this environment may send email through an SES endpoint."""

    def __init__(self, app_env: AppEnv, stand_in_urls: Iterable[str]) -> None:
        self.app_env = app_env
        self._allowed = frozenset(_origin(httpx.URL(url)) for url in stand_in_urls)

    def check(
        self, endpoint_url: str | None, *, provider: str = "ses", operation: str = "send"
    ) -> None:
        """Raise `EmailGateError` unless this environment may send through `endpoint_url`."""
        if self.app_env.is_deployed:
            return
        allowed = ", ".join(sorted(f"{s}://{h}:{p}" for s, h, p in self._allowed))
        if endpoint_url is None:
            raise EmailGateError(
                provider,
                operation,
                f"APP_ENV={self.app_env.value} may only send email to a local SES stand-in "
                f"({allowed}), not to AWS (no endpoint configured)",
            )
        target = httpx.URL(endpoint_url)
        host = target.host.lower()
        is_real = any(
            host == suffix or host.endswith("." + suffix) for suffix in REAL_PROVIDER_HOST_SUFFIXES
        )
        if is_real or _origin(target) not in self._allowed:
            raise EmailGateError(
                provider,
                operation,
                f"APP_ENV={self.app_env.value} may only send email to a local SES stand-in "
                f"({allowed}), not {target.scheme}://{host}",
            )
