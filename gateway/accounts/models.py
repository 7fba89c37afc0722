"""Request and response bodies of the account-linking internal API, the bff's contract.

`contracts/openapi/gateway.yaml` is generated from these models
(`python -m contracts.openapi_gateway`); a contract test fails when they drift.
Money is a decimal string (`"1234.56"`), never a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

LinkedItemStatus = Literal["active", "needs_relink", "disconnected"]
SyncStatus = Literal["idle", "syncing", "failed"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkTokenCreated(_Body):
    """A token to open the aggregator's account-linking UI for one member."""

    link_token: str
    link_url: str = Field(description="The provider's hosted link page for this token.")
    expiration: AwareDatetime


class ExchangePublicToken(_Body):
    """The public token the linking UI handed back to the webapp."""

    public_token: str = Field(min_length=1, max_length=500)


class AccountOut(_Body):
    """One account of a linked login, with its latest balances."""

    id: UUID
    name: str
    mask: str | None
    type: str | None
    subtype: str | None
    current_balance: Decimal | None
    available_balance: Decimal | None
    currency: str | None


class LinkedItemOut(_Body):
    """A linked login at the aggregator and its accounts."""

    id: UUID
    institution_name: str | None
    status: LinkedItemStatus
    sync_status: SyncStatus
    last_synced_at: AwareDatetime | None
    accounts: list[AccountOut]


class SyncAccepted(_Body):
    """A sync of the linked login was queued."""

    linked_item_id: UUID
    sync_status: SyncStatus
