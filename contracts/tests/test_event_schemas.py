"""Event contracts: committed schemas match the code, and real envelopes satisfy them."""

import json
import uuid

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from contracts.event_schemas import EVENTS_DIR, rendered
from shared.events import REGISTRY, SmsRequested


def _committed() -> dict[str, str]:
    return {path.name: path.read_text() for path in EVENTS_DIR.glob("*.schema.json")}


def test_every_committed_schema_matches_the_code():
    assert _committed() == rendered(), "run `python -m contracts.event_schemas` and commit"


def _validator(file_name: str) -> Draft202012Validator:
    schemas = {name: json.loads(text) for name, text in _committed().items()}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return Draft202012Validator(schemas[file_name], registry=registry)


def test_an_envelope_built_by_a_producer_satisfies_its_committed_schema():
    envelope = REGISTRY.build(
        SmsRequested(message_id=uuid.uuid4(), member_id=uuid.uuid4()),
        name="sms.requested",
        producer="bff",
        correlation_id="corr-1",
    )
    document = json.loads(envelope.to_json())
    assert list(_validator("sms.requested.v1.schema.json").iter_errors(document)) == []


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d.pop("correlation_id"),
        lambda d: d.update(type="sms.status_changed"),
        lambda d: d["data"].pop("member_id"),
        lambda d: d.update(version=2),
    ],
    ids=["no correlation id", "wrong type", "data field missing", "wrong version"],
)
def test_an_envelope_that_breaks_the_contract_is_rejected(mutation):
    envelope = REGISTRY.build(
        SmsRequested(message_id=uuid.uuid4(), member_id=uuid.uuid4()),
        name="sms.requested",
        producer="bff",
        correlation_id="corr-1",
    )
    document = json.loads(envelope.to_json())
    mutation(document)
    assert list(_validator("sms.requested.v1.schema.json").iter_errors(document)) != []
