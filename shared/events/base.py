"""The base of every event's data model: strict, immutable, no unknown fields."""

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Event data is a contract: unknown fields are refused, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)
