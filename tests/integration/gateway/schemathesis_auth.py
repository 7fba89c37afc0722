"""schemathesis hooks (`SCHEMATHESIS_HOOKS`): sign each generated webhook as its provider would.

The signatures cover the exact bytes sent, so they are computed per request, over the
body as schemathesis' transport (requests) will encode it. Registered as schemathesis
auth, not as headers, so its auth checks (`ignored_auth`) really send the webhook
unsigned and with a wrong signature and expect 401. The internal API's service token is
set here too: with any `[auth.openapi.*]` in the config file, schemathesis 4.32 never asks
the hooks' auth providers, so the two cannot be split between config and hooks.

The gateway under test uses the default test credentials, which are the simulator's
(`SimulatorConfig`): its Twilio auth token, its Calendly signing key, and the Plaid key
ring derived from its seed, whose public key the gateway fetches from the simulator.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis import Case
from schemathesis.auths import AuthContext
from schemathesis.core import NOT_SET

from connectors.simulator import SimulatorConfig
from connectors.simulator.signing import PlaidKeyRing, calendly_signature
from connectors.sms import SIGNATURE_HEADER, compute_twilio_signature

SIMULATOR = SimulatorConfig()
PLAID_KEYS = PlaidKeyRing(seed=SIMULATOR.seed)
# The gateway checks Twilio signatures on its public URL: PUBLIC_WEBHOOK_BASE_URL + path.
PUBLIC_BASE_URL = os.environ["GATEWAY_PUBLIC_WEBHOOK_BASE_URL"]
SERVICE_TOKEN = os.environ["GATEWAY_INTERNAL_SERVICE_TOKEN"]


def _wire_body(case: Case) -> bytes:
    """The body bytes requests will send for this case (what the provider would sign).

    Mirrors schemathesis' serializers: JSON sends bytes as they are, `None` as `null` and
    anything else through `json=`; a form sends a mapping, text or bytes as `data=` and
    anything else as JSON text.
    """
    prepared = requests.PreparedRequest()
    prepared.headers = CaseInsensitiveDict()
    body: Any = case.body
    if body is NOT_SET:  # a case without a body
        return b""
    if case.media_type == "application/json":
        if isinstance(body, bytes):
            return body
        if body is None:
            return b"null"
        prepared.prepare_body(data=None, files=None, json=body)
    elif body is None or isinstance(body, Mapping | str | bytes):
        prepared.prepare_body(data=body, files=None)
    else:
        return json.dumps(body).encode("utf-8")
    raw = prepared.body
    if isinstance(raw, str):
        return raw.encode("utf-8")
    return raw if isinstance(raw, bytes) else b""


def _sign(case: Case) -> tuple[str, str]:
    """The provider's signature header for `case`: (name, value)."""
    body = _wire_body(case)
    path = case.operation.path
    if path == "/webhooks/twilio":
        # A form may repeat a name: signed as pairs, the way the provider does.
        params = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        # The signed URL is the one requests will send: path and query as it encodes them.
        target = requests.PreparedRequest()
        target.prepare_url(PUBLIC_BASE_URL.rstrip("/") + case.formatted_path, case.query or {})
        url = str(target.url)
        return SIGNATURE_HEADER, compute_twilio_signature(SIMULATOR.twilio_auth_token, url, params)
    if path == "/webhooks/plaid":
        return "Plaid-Verification", PLAID_KEYS.sign(body)
    if path == "/webhooks/calendly":
        key = SIMULATOR.calendly_signing_key.get_secret_value()
        return "Calendly-Webhook-Signature", calendly_signature(key, body)
    raise AssertionError(f"no signer for {path}")


@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(path_regex="^/webhooks/")
class ProviderSignature:
    """Signs each webhook case as its provider would."""

    def get(self, case: Case, context: AuthContext) -> str:
        return "sign"

    def set(self, case: Case, data: str, context: AuthContext) -> None:
        name, value = _sign(case)
        case.headers[name] = value


@schemathesis.auth(refresh_interval=None, retry_on=[]).apply_to(path_regex="^/internal/")
class ServiceToken:
    """The bff's bearer token on the internal API (`serviceToken`)."""

    def get(self, case: Case, context: AuthContext) -> str:
        return SERVICE_TOKEN

    def set(self, case: Case, data: str, context: AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"
