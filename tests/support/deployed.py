"""The environment a deployed (staging or production) role needs, with realistic values."""

from __future__ import annotations

import secrets

from pydantic import SecretStr

from shared.settings import Settings

REQUIRED_VALUES = {
    "GATEWAY_INTERNAL_URL": "http://gateway-web.origin.internal:8081",
    "PUBLIC_WEBHOOK_BASE_URL": "https://hooks.origin.example",
    "SMS_BASE_URL": "https://api.twilio.com",
    "SMS_FROM_NUMBER": "+14155550199",
    "SMS_ACCOUNT_SID": "AC" + "5" * 32,
    "AGGREGATION_BASE_URL": "https://production.plaid.com",
    "AGGREGATION_CLIENT_ID": "5f0a1b2c3d4e5f6a7b8c9d0e",
    "SCHEDULING_BASE_URL": "https://api.calendly.com",
    "SCHEDULING_ORGANIZATION_URI": "https://api.calendly.com/organizations/ORG0000000000001",
    "WEBAPP_BASE_URL": "https://app.origin.example",
    "EMAIL_FROM_ADDRESS": "no-reply@origin.example",
}


def deployed_environment(
    app_env: str = "staging",
    *,
    database_url: str = "postgresql://origin_app:pw@db.origin.internal:5432/origin",
    amqp_url: str = "amqps://origin_app:pw@mq.origin.internal:5671/",
) -> dict[str, str]:
    """Every variable a deployed role refuses to start without, each a fresh strong secret."""
    env = {"APP_ENV": app_env, "DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    env.update(REQUIRED_VALUES)
    for name, field in Settings.model_fields.items():
        if isinstance(field.default, SecretStr) and name.upper() not in env:
            env[name.upper()] = secrets.token_urlsafe(32)
    env["ACCESS_TOKEN_ENCRYPTION_KEYS"] = "cmVhbC1rZXktcmVhbC1rZXktcmVhbC1rZXktMzJiISE="
    env["MFA_SECRET_ENCRYPTION_KEYS"] = "cmVhbC1tZmEta2V5LXJlYWwtbWZhLWtleS0zMmIhISE="
    return env
