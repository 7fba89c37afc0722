"""Render the committed JSON Schemas of the envelope and of every event type.

`python -m contracts.event_schemas` rewrites `contracts/events/`; the contract
test compares the committed files with what the code would write, so a model
change without a schema change (or the reverse) fails the build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.events import REGISTRY
from shared.messaging.envelope import Envelope, EventRegistry

EVENTS_DIR = Path(__file__).with_name("events")


def envelope_schema() -> dict[str, Any]:
    """The envelope every message carries."""
    schema = Envelope.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://origin.example/contracts/events/envelope.schema.json"
    return schema


def event_schema(name: str, version: int, registry: EventRegistry = REGISTRY) -> dict[str, Any]:
    """One event type: the envelope with `type`, `version` and `data` pinned down."""
    event_type = registry.get(name, version)
    data = event_type.data_model.model_json_schema()
    definitions = data.pop("$defs", None)  # "#/$defs/..." refs resolve against the root
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://origin.example/contracts/events/{name}.v{version}.schema.json",
        "title": f"{name} v{version}",
        "description": event_type.description,
        "allOf": [{"$ref": "envelope.schema.json"}],
        "properties": {
            "type": {"const": name},
            "version": {"const": version},
            "data": data,
        },
        "required": ["type", "version", "data"],
    }
    if definitions:
        schema["$defs"] = definitions
    return schema


def rendered(registry: EventRegistry = REGISTRY) -> dict[str, str]:
    """File name -> JSON text of every schema the code defines."""
    files = {"envelope.schema.json": envelope_schema()}
    for event_type in registry:
        files[f"{event_type.name}.v{event_type.version}.schema.json"] = event_schema(
            event_type.name, event_type.version, registry
        )
    return {
        name: json.dumps(schema, indent=2, sort_keys=True) + "\n" for name, schema in files.items()
    }


def main() -> None:
    """Rewrite contracts/events/ from the code."""
    EVENTS_DIR.mkdir(exist_ok=True)
    for stale in EVENTS_DIR.glob("*.schema.json"):
        stale.unlink()
    for name, text in rendered().items():
        (EVENTS_DIR / name).write_text(text)


if __name__ == "__main__":
    main()
