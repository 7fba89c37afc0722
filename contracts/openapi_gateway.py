"""Render `contracts/openapi/gateway.yaml` from the gateway's pydantic models.

`python -m contracts.openapi_gateway` rewrites the file; the contract test
compares the committed document with what the code would write, so a model
change without a document change (or the reverse) fails the build. The bff
codes its gateway client against this document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from connectors.aggregation import AggregationWebhook
from connectors.bookings import InviteeWebhook
from connectors.sms import MessageStatus
from gateway.accounts.models import (
    ExchangePublicToken,
    LinkedItemOut,
    LinkTokenCreated,
    SyncAccepted,
)
from gateway.internal import Problem
from shared.storable_text import NO_NUL_PATTERN

PATH = Path(__file__).with_name("openapi") / "gateway.yaml"
REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"

_MODELS: list[tuple[type[BaseModel], JsonSchemaMode]] = [
    (LinkTokenCreated, "serialization"),
    (ExchangePublicToken, "validation"),
    (LinkedItemOut, "serialization"),
    (SyncAccepted, "serialization"),
    (Problem, "serialization"),
    (AggregationWebhook, "validation"),
    (InviteeWebhook, "validation"),
]
_TEXT = {"type": "string", "pattern": NO_NUL_PATTERN}
# What `StatusCallback.from_form` reads; the provider sends more fields, all stored as sent.
_TWILIO_STATUS_FORM = {
    "type": "object",
    "required": ["MessageSid", "MessageStatus"],
    "properties": {
        "MessageSid": _TEXT,
        "MessageStatus": {"type": "string", "enum": [status.value for status in MessageStatus]},
        "AccountSid": _TEXT,
        "ErrorCode": _TEXT,
    },
    "propertyNames": _TEXT,
    "additionalProperties": _TEXT,
}


# The status callback URL we give the provider carries our message id; it is signed with it.
_TWILIO_MESSAGE_ID = {
    "name": "message_id",
    "in": "query",
    "required": False,
    "description": (
        "Our message id, as we put it in the callback URL; without a UUID here the message"
        " is found by its `MessageSid`."
    ),
    "schema": {"type": "string"},
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref(Problem)}}}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _uuid_param(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }


_AUTH_ERRORS = {
    "401": _problem("Missing or wrong service token."),
}
_PROVIDER_ERRORS = {
    "502": _problem("The provider refused the request."),
    "503": _problem("The provider is unavailable (retry later, see Retry-After)."),
}


def _internal_paths() -> dict[str, Any]:
    return {
        "/internal/v1/members/{member_id}/link-token": {
            "post": {
                "operationId": "createLinkToken",
                "summary": "Create an aggregation link token for a member.",
                "tags": ["internal"],
                "security": [{"serviceToken": []}],
                "parameters": [_uuid_param("member_id")],
                "responses": {
                    "201": _json(LinkTokenCreated, "A link token and the hosted link page."),
                    **_AUTH_ERRORS,
                    "404": _problem("No such member."),
                    **_PROVIDER_ERRORS,
                },
            }
        },
        "/internal/v1/members/{member_id}/linked-items": {
            "post": {
                "operationId": "exchangePublicToken",
                "summary": "Exchange a public token: store the linked login and its accounts.",
                "description": (
                    "Stores the login with its access token encrypted, its accounts with fresh"
                    " balances, and queues `accounts.sync_requested` for the transactions."
                ),
                "tags": ["internal"],
                "security": [{"serviceToken": []}],
                "parameters": [_uuid_param("member_id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(ExchangePublicToken)}},
                },
                "responses": {
                    "201": _json(LinkedItemOut, "The linked login and its accounts."),
                    **_AUTH_ERRORS,
                    "404": _problem("No such member."),
                    "413": _problem("Body too large."),
                    "415": _problem("The body is not application/json."),
                    "422": _problem("Invalid body, or the provider refused the public token."),
                    **_PROVIDER_ERRORS,
                },
            }
        },
        "/internal/v1/linked-items/{linked_item_id}/sync": {
            "post": {
                "operationId": "requestSync",
                "summary": "Queue a sync of a linked login's balances and transactions.",
                "tags": ["internal"],
                "security": [{"serviceToken": []}],
                "parameters": [_uuid_param("linked_item_id")],
                "responses": {
                    "202": _json(SyncAccepted, "The sync is queued."),
                    **_AUTH_ERRORS,
                    "404": _problem("No such linked login."),
                },
            }
        },
    }


def _webhook(
    operation_id: str,
    summary: str,
    media_type: str,
    scheme: str,
    body: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["webhooks"],
            "security": [{scheme: []}],
            **({"parameters": parameters} if parameters else {}),
            "requestBody": {
                "required": True,
                "content": {media_type: {"schema": body}},
            },
            "responses": {
                "200": {
                    "description": "Stored (or already stored: `duplicate` is true).",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["received", "duplicate"],
                                "properties": {
                                    "received": {"type": "boolean"},
                                    "duplicate": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                "400": _problem("Signed, but not a payload we understand."),
                "401": _problem("Signature missing or invalid."),
                "413": _problem("Body too large."),
                "503": _problem("Verification key unavailable right now; deliver again later."),
            },
        }
    }


def _signature(header: str, description: str) -> dict[str, Any]:
    return {"type": "apiKey", "in": "header", "name": header, "description": description}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the gateway's HTTP API."""
    _, schemas = models_json_schema(_MODELS, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Origin integration gateway",
            "version": "1.0.0",
            "description": (
                "Provider webhooks and the internal API the bff calls. Errors are RFC 9457"
                " problem details. Money is a decimal string."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8081"}],
        "paths": {
            **_internal_paths(),
            "/webhooks/twilio": _webhook(
                "twilioStatusCallback",
                "SMS status callback (X-Twilio-Signature).",
                "application/x-www-form-urlencoded",
                "twilioSignature",
                _TWILIO_STATUS_FORM,
                [_TWILIO_MESSAGE_ID],
            ),
            "/webhooks/plaid": _webhook(
                "plaidWebhook",
                "Aggregation webhook (Plaid-Verification JWT).",
                "application/json",
                "plaidVerification",
                _ref(AggregationWebhook),
            ),
            "/webhooks/calendly": _webhook(
                "calendlyWebhook",
                "Booking webhook (Calendly-Webhook-Signature).",
                "application/json",
                "calendlySignature",
                _ref(InviteeWebhook),
            ),
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "serviceToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "INTERNAL_SERVICE_TOKEN, shared by the bff and the gateway.",
                },
                "twilioSignature": _signature(
                    "X-Twilio-Signature",
                    "Base64 HMAC-SHA1 (key: the auth token) of the public URL followed by every"
                    " form parameter, sorted by name.",
                ),
                "plaidVerification": _signature(
                    "Plaid-Verification",
                    "ES256 JWT (`kid` names a key of `/webhook_verification_key/get`) whose"
                    " `request_body_sha256` is the body's SHA-256; at most 5 minutes old.",
                ),
                "calendlySignature": _signature(
                    "Calendly-Webhook-Signature",
                    "`t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>` (key: the subscription's"
                    " signing key), within 3 minutes of our clock.",
                ),
            },
        },
    }


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated parts in full (no `&id` anchors), for readers of the file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def rendered() -> str:
    """The YAML text the committed file must equal."""
    header = "# Generated by `python -m contracts.openapi_gateway`; do not edit by hand.\n"
    return header + yaml.dump(
        document(), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100
    )


def main() -> None:
    """Rewrite contracts/openapi/gateway.yaml from the code."""
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_text(rendered())


if __name__ == "__main__":
    main()
