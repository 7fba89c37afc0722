"""Secrets Manager overlay: a secret's JSON object overrides environment settings."""

from __future__ import annotations

import json
from typing import Any

import boto3


class SecretsError(Exception):
    """The configured secret could not be read or is not a JSON object of strings."""


def read_secret_overlay(secret_id: str, *, region: str, endpoint_url: str | None) -> dict[str, str]:
    """Fetch the secret (blocking; called once at start-up) and return its keys lower-cased."""
    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except Exception as exc:  # botocore raises many types; none may leak the secret itself
        raise SecretsError(f"cannot read secret {secret_id!r}: {type(exc).__name__}") from None
    raw: Any = response.get("SecretString")
    try:
        values = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise SecretsError(f"secret {secret_id!r} is not a JSON object of strings")
    return {str(key).lower(): value for key, value in values.items()}
