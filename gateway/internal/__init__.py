"""The internal API (`/internal/v1`) the bff calls: its prefix, its guard, its error shape.

Every route needs the service token (`auth.require_service_token`); a provider
failure answers 502 or 503 (`provider_errors`). The routes are the features'
(today account linking, `gateway/accounts/linking.py`); `gateway/web.py` lists them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PREFIX = "/internal/v1"


class Problem(BaseModel):
    """RFC 9457 problem details, the shape of every error."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
