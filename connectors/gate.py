"""The run book's rule, once for every connector that can reach a person: only staging and
production talk to the real provider.

In `local` and `test` a connector may call only a stand-in (the provider simulator, moto's
server): the request URL's origin must be on the connector's allow-list, and a host of the real
provider is refused even if someone lists it there. No URL (boto3's "no endpoint") means the
real provider, so it is refused too. The check runs in the client right before every call, so no
configuration mistake can reach a member from a laptop or CI.

Each connector declares its rule (`GateRule`: the real provider's hosts, the error it raises,
how the refusal reads) on a subclass of `EnvironmentGate` and hands it its allow-list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, NoReturn

import httpx

from connectors.errors import PermanentError
from shared.settings import AppEnv


@dataclass(frozen=True)
class GateRule:
    """What one connector may reach outside staging and production, and how a refusal reads."""

    # "send SMS to the provider simulator": completes "APP_ENV=test may only ...".
    allowed_action: str
    # Named when no endpoint is configured (which means the real provider).
    real_provider: str
    # Hosts of the real provider, refused whatever the allow-list says.
    real_host_suffixes: tuple[str, ...]
    error: type[PermanentError]
    provider: str


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), port)


class EnvironmentGate:
    """Decides whether this environment may send a connector's request to a URL."""

    rule: ClassVar[GateRule]

    def __init__(self, app_env: AppEnv, allowed_urls: Iterable[str]) -> None:
        self.app_env = app_env
        self._allowed = frozenset(_origin(httpx.URL(url)) for url in allowed_urls)

    def check(
        self, url: str | None, *, provider: str | None = None, operation: str = "send"
    ) -> None:
        """Raise the rule's error unless this environment may send to `url` (None: the real one)."""
        if self.app_env.is_deployed:
            return
        rule = self.rule
        if url is None:
            self._refuse(provider, operation, f"to {rule.real_provider} (no endpoint configured)")
        target = httpx.URL(url)
        host = target.host.lower()
        is_real = any(
            host == suffix or host.endswith("." + suffix) for suffix in rule.real_host_suffixes
        )
        if is_real or _origin(target) not in self._allowed:
            self._refuse(provider, operation, f"{target.scheme}://{host}")

    def _refuse(self, provider: str | None, operation: str, target: str) -> NoReturn:
        allowed = ", ".join(sorted(f"{s}://{h}:{p}" for s, h, p in self._allowed))
        raise self.rule.error(
            provider or self.rule.provider,
            operation,
            f"APP_ENV={self.app_env.value} may only {self.rule.allowed_action} ({allowed}), "
            f"not {target}",
        )
