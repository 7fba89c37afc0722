"""What the gateway needs from an account aggregator, so tests can hand in a fake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import SecretStr

from connectors.aggregation.models import Account, ItemAccess, LinkToken, TransactionsSyncResult


class AccountAggregator(Protocol):
    """Links logins and reads their accounts, balances and transactions."""

    async def create_link_token(
        self, client_user_id: str, *, redirect_uri: str | None = None
    ) -> LinkToken:
        """A token to open the account-linking UI for one member."""
        ...

    async def exchange_public_token(self, public_token: str) -> ItemAccess:
        """Swap the UI's public token for the linked login's access token."""
        ...

    async def get_balances(
        self, access_token: SecretStr, *, account_ids: Sequence[str] | None = None
    ) -> list[Account]:
        """Fresh balances of a linked login's accounts."""
        ...

    async def sync_transactions(
        self, access_token: SecretStr, cursor: str | None = None
    ) -> TransactionsSyncResult:
        """Every transaction update since `cursor`, and the next cursor to persist."""
        ...
