"""The gateway's OpenAPI document: committed file matches the code, and it is valid OpenAPI."""

import yaml
from jsonschema import Draft202012Validator

from contracts.openapi_gateway import PATH, document, rendered


def test_the_committed_gateway_openapi_matches_the_code():
    assert PATH.read_text() == rendered(), "run `python -m contracts.openapi_gateway` and commit"


def test_every_schema_in_the_document_is_valid_json_schema():
    loaded = yaml.safe_load(PATH.read_text())
    assert loaded == document()
    for name, schema in loaded["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


def test_every_internal_operation_requires_the_service_token_and_documents_its_errors():
    paths = document()["paths"]
    internal = {path: item for path, item in paths.items() if path.startswith("/internal/v1/")}
    assert len(internal) == 3
    for item in internal.values():
        operation = item["post"]
        assert operation["security"] == [{"serviceToken": []}]
        assert {"401", "404"} <= set(operation["responses"])
