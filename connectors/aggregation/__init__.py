"""Account aggregation through a Plaid-shaped provider, and verification of its webhooks.

Public API:

- `AggregationConfig(client_id, secret: SecretStr, base_url="https://sandbox.plaid.com",
  client_name="Origin", language="en", country_codes=("US",), products=("transactions",),
  webhook_url=None, item_rate_limits={operation: RateLimit}, client_rate_limits={...},
  sync_page_size=500, max_sync_restarts=3, http=HttpSettings(), policy=PolicySettings())`
- `PlaidClient(http: httpx.AsyncClient, config, *, policy=None)`
  (`declared_limits()` for ops):
  `create_link_token(client_user_id, *, redirect_uri=None) -> LinkToken`,
  `exchange_public_token(public_token) -> ItemAccess`,
  `get_balances(access_token: SecretStr, *, account_ids=None) -> list[Account]`,
  `sync_transactions(access_token: SecretStr, cursor=None) -> TransactionsSyncResult`,
  `get_webhook_verification_key(key_id) -> WebhookVerificationKey`;
  `open_aggregation_client(config, transport=None)` owns and closes its HTTP client.
- `AccountAggregator`: the Protocol the gateway depends on.
- `PlaidWebhookVerifier(fetch_key, max_age=5 min, unknown_key_ttl=1 h,
  key_lookups=RateLimit(limit=10, period_seconds=60), clock=...)`:
  `await verify(plaid_verification_header, raw_body) -> claims` (`VERIFICATION_HEADER`);
  `sign_plaid_webhook(private_key, kid, body, issued_at=)` and
  `public_verification_key(private_key, kid, created_at=, expired_at=None)` for the
  simulator and tests.
- `AccessTokenCipher(keys: SecretStr | Sequence[SecretStr])`: `encrypt(SecretStr) -> bytes`,
  `decrypt(bytes) -> SecretStr`, `rotate(bytes) -> bytes`, `generate_key()`;
  `TokenDecryptionError`.
- Models: `LinkToken`, `ItemAccess`, `Account`, `Balances`, `Transaction`,
  `RemovedTransaction`, `PersonalFinanceCategory`, `TransactionsSyncPage`,
  `TransactionsSyncResult`, `WebhookVerificationKey`; `SYNC_MUTATION` error code.
"""

from connectors.aggregation.aggregator import AccountAggregator
from connectors.aggregation.client import (
    PROVIDER,
    SYNC_MUTATION,
    PlaidClient,
    open_aggregation_client,
)
from connectors.aggregation.config import AggregationConfig
from connectors.aggregation.models import (
    Account,
    AggregationWebhook,
    Balances,
    ItemAccess,
    LinkToken,
    PersonalFinanceCategory,
    RemovedTransaction,
    Transaction,
    TransactionsSyncPage,
    TransactionsSyncResult,
    WebhookVerificationKey,
)
from connectors.aggregation.token_cipher import AccessTokenCipher, TokenDecryptionError
from connectors.aggregation.webhook import (
    VERIFICATION_HEADER,
    PlaidWebhookVerifier,
    public_verification_key,
    sign_plaid_webhook,
)

__all__ = [
    "PROVIDER",
    "SYNC_MUTATION",
    "VERIFICATION_HEADER",
    "AccessTokenCipher",
    "Account",
    "AccountAggregator",
    "AggregationConfig",
    "AggregationWebhook",
    "Balances",
    "ItemAccess",
    "LinkToken",
    "PersonalFinanceCategory",
    "PlaidClient",
    "PlaidWebhookVerifier",
    "RemovedTransaction",
    "TokenDecryptionError",
    "Transaction",
    "TransactionsSyncPage",
    "TransactionsSyncResult",
    "WebhookVerificationKey",
    "open_aggregation_client",
    "public_verification_key",
    "sign_plaid_webhook",
]
