"""The envelope every event travels in, and the registry of event types and their data models."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


class Envelope(BaseModel):
    """Metadata plus `data`; `data` is validated against the model registered for `type`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    correlation_id: str = Field(min_length=1, max_length=128)
    causation_id: str | None = Field(default=None, max_length=128)
    producer: str = Field(min_length=1, max_length=64)
    data: dict[str, Any]

    def to_json(self) -> str:
        """Serialise once, for the outbox row and the message body."""
        return self.model_dump_json()


class InvalidMessage(Exception):
    """A message whose envelope or data does not match its contract; it is dead-lettered."""


@dataclass(frozen=True)
class EventType:
    """An event type at one version, with the model its `data` must satisfy."""

    name: str
    version: int
    data_model: type[BaseModel]
    description: str


class EventRegistry:
    """Known event types; producers and consumers validate against it."""

    def __init__(self, *event_types: EventType) -> None:
        self._types: dict[tuple[str, int], EventType] = {}
        for event_type in event_types:
            self.register(event_type)

    def register(self, event_type: EventType) -> None:
        """Add a type; registering the same name and version twice is a programming error."""
        key = (event_type.name, event_type.version)
        if key in self._types:
            raise ValueError(f"event type {event_type.name} v{event_type.version} registered twice")
        self._types[key] = event_type

    def __iter__(self) -> Any:
        return iter(sorted(self._types.values(), key=lambda t: (t.name, t.version)))

    def get(self, name: str, version: int) -> EventType:
        """The registered type, or InvalidMessage when unknown."""
        try:
            return self._types[(name, version)]
        except KeyError:
            raise InvalidMessage(f"unknown event type {name} v{version}") from None

    def build(
        self,
        data: BaseModel,
        *,
        name: str,
        producer: str,
        correlation_id: str,
        causation_id: str | None = None,
        version: int = 1,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        """Wrap validated data in a new envelope; the data's model must match the registered one."""
        event_type = self.get(name, version)
        if not isinstance(data, event_type.data_model):
            raise TypeError(f"{name} v{version} takes {event_type.data_model.__name__}")
        return Envelope(
            id=uuid.uuid4(),
            type=name,
            version=version,
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=correlation_id,
            causation_id=causation_id,
            producer=producer,
            data=data.model_dump(mode="json"),
        )

    def parse(self, body: bytes) -> tuple[Envelope, BaseModel]:
        """Decode and validate a message body: its envelope, then its data."""
        try:
            raw = json.loads(body)
            envelope = Envelope.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            raise InvalidMessage(f"invalid envelope: {_summary(exc)}") from None
        except RecursionError:
            raise InvalidMessage("invalid envelope: nested too deeply") from None
        event_type = self.get(envelope.type, envelope.version)
        try:
            data = event_type.data_model.model_validate(envelope.data)
        except ValidationError as exc:
            raise InvalidMessage(f"invalid {envelope.type} data: {_summary(exc)}") from None
        return envelope, data


def _summary(exc: Exception) -> str:
    """Field names and messages only; message contents may hold personal data."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )[:500]
    return type(exc).__name__
