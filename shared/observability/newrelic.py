"""New Relic APM, on only when NEW_RELIC_LICENSE_KEY is set."""

from __future__ import annotations

import os

from shared.settings import Settings


def init_newrelic(settings: Settings, *, service: str) -> bool:
    """Initialise the agent before the app is built; returns whether it was started."""
    if settings.new_relic_license_key is None:
        return False
    import newrelic.agent

    # The agent reads its settings from the environment; the key may come from Secrets Manager.
    os.environ["NEW_RELIC_LICENSE_KEY"] = settings.new_relic_license_key.get_secret_value()
    os.environ.setdefault("NEW_RELIC_APP_NAME", f"origin-{service} ({settings.app_env.value})")
    os.environ.setdefault("NEW_RELIC_ENVIRONMENT", settings.app_env.value)
    newrelic.agent.initialize()
    return True
