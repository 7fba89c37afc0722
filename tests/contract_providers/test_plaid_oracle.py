"""plaid-python, Plaid's official SDK, as the oracle for the simulator and for our client.

For every endpoint our code calls (and the Sandbox ones our tests use) the SDK calls the
simulator and must deserialise the answer into its typed models (it checks types and
required fields). One answer per endpoint is kept as a fixture; the SDK and our own
client both parse that fixture and must agree on every field our client reads. Error
answers must be Plaid error objects our client maps to the right `ConnectorError`, and the
webhooks the simulator sends must be the SDK's webhook models, signed as Plaid documents.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import plaid
import pytest
import respx
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_response import AccountsGetResponse
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.institutions_get_by_id_response import InstitutionsGetByIdResponse
from plaid.model.item_error_webhook import ItemErrorWebhook
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_get_response import ItemGetResponse
from plaid.model.item_login_repaired_webhook import ItemLoginRepairedWebhook
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_public_token_exchange_response import ItemPublicTokenExchangeResponse
from plaid.model.link_token_create_hosted_link import LinkTokenCreateHostedLink
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.link_token_create_response import LinkTokenCreateResponse
from plaid.model.pending_disconnect_webhook import PendingDisconnectWebhook
from plaid.model.pending_expiration_webhook import PendingExpirationWebhook
from plaid.model.plaid_error import PlaidError
from plaid.model.products import Products
from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from plaid.model.sandbox_item_reset_login_request import SandboxItemResetLoginRequest
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)
from plaid.model.sync_updates_available_webhook import SyncUpdatesAvailableWebhook
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_response import TransactionsSyncResponse
from plaid.model.user_permission_revoked_webhook import UserPermissionRevokedWebhook
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest
from plaid.model.webhook_verification_key_get_response import WebhookVerificationKeyGetResponse
from pydantic import SecretStr

from connectors.aggregation import AggregationConfig, PlaidClient, PlaidWebhookVerifier
from connectors.aggregation.client import _Balances, _Institution, _Item, _VerificationKey
from connectors.aggregation.models import ItemAccess, LinkToken, TransactionsSyncPage
from connectors.errors import (
    AuthenticationError,
    ConnectorError,
    PermanentError,
    RateLimited,
)
from connectors.http import HttpSettings
from connectors.policy import PolicySettings
from connectors.retry import RetrySettings
from connectors.simulator.seed_data import INSTITUTIONS
from tests.contract_providers.oracle import (
    PLAID_CLIENT_ID,
    PLAID_SECRET,
    agree,
    plaid_api,
    recorded,
    sdk_parse,
)
from tests.support.polling import eventually
from tests.support.simulator import SimulatorHandle, WebhookRecorder

SANDBOX_INSTITUTIONS = ["ins_109508", "ins_109509", "ins_109510", "ins_109511", "ins_109512"]
NO_RETRY = PolicySettings(retry=RetrySettings(max_attempts=1))


async def sdk(call: Callable[[], Any]) -> Any:
    """Run a blocking SDK call off the loop, so the in-process simulator can answer it."""
    return await asyncio.to_thread(call)


def last_body(api: Any) -> bytes:
    data: bytes = api.api_client.last_response.data
    return data


async def linked(api: Any, institution_id: str = "ins_109508", **options: Any) -> str:
    """An access token for a new Item at a Sandbox institution, linked through the SDK."""
    created = await sdk(
        lambda: api.sandbox_public_token_create(
            SandboxPublicTokenCreateRequest(
                institution_id=institution_id,
                initial_products=[Products("transactions")],
                options=SandboxPublicTokenCreateRequestOptions(**options),
            )
        )
    )
    exchanged = await sdk(
        lambda: api.item_public_token_exchange(
            ItemPublicTokenExchangeRequest(public_token=created.public_token)
        )
    )
    token: str = exchanged.access_token
    return token


def our_client(http: httpx.AsyncClient) -> PlaidClient:
    config = AggregationConfig(
        base_url="https://sandbox.plaid.test",
        client_id=PLAID_CLIENT_ID,
        secret=SecretStr(PLAID_SECRET),
        webhook_url="https://gateway.test/webhooks/plaid",
        http=HttpSettings(total_timeout_seconds=5),
        policy=NO_RETRY,
    )
    return PlaidClient(http, config)


async def ours_over(path: str, fixture: bytes, call: Callable[[PlaidClient], Any]) -> Any:
    """Our client's parsing of `fixture`, served as the answer to `path`."""
    with respx.mock(assert_all_called=True) as router:
        router.post(f"https://sandbox.plaid.test{path}").respond(
            200, content=fixture, headers={"Content-Type": "application/json"}
        )
        async with httpx.AsyncClient() as http:
            return await call(our_client(http))


# --- every endpoint our client calls -------------------------------------------------


async def test_link_token_create_parses_in_the_sdk_and_our_client_agrees(sim: SimulatorHandle):
    api = plaid_api(sim.url)

    answer = await sdk(
        lambda: api.link_token_create(
            LinkTokenCreateRequest(
                client_name="Origin",
                language="en",
                country_codes=[CountryCode("US")],
                products=[Products("transactions")],
                user=LinkTokenCreateRequestUser(client_user_id="member-1"),
                hosted_link=LinkTokenCreateHostedLink(),
                webhook="https://gateway.test/webhooks/plaid",
            )
        )
    )

    assert isinstance(answer, LinkTokenCreateResponse) and answer.hosted_link_url
    fixture = recorded("plaid_link_token_create", last_body(api))
    theirs = sdk_parse(api, fixture, LinkTokenCreateResponse)
    ours = await ours_over("/link/token/create", fixture, lambda c: c.create_link_token("member-1"))
    assert isinstance(ours, LinkToken) and agree(ours, theirs) == []


async def test_public_token_exchange_parses_in_the_sdk_and_our_client_agrees(
    sim: SimulatorHandle,
):
    api = plaid_api(sim.url)
    created = await sdk(
        lambda: api.sandbox_public_token_create(
            SandboxPublicTokenCreateRequest(
                institution_id="ins_109508", initial_products=[Products("transactions")]
            )
        )
    )

    answer = await sdk(
        lambda: api.item_public_token_exchange(
            ItemPublicTokenExchangeRequest(public_token=created.public_token)
        )
    )

    assert isinstance(answer, ItemPublicTokenExchangeResponse)
    assert answer.access_token.startswith("access-sandbox-")
    fixture = recorded("plaid_item_public_token_exchange", last_body(api))
    theirs = sdk_parse(api, fixture, ItemPublicTokenExchangeResponse)
    ours = await ours_over(
        "/item/public_token/exchange", fixture, lambda c: c.exchange_public_token("public-x")
    )
    assert isinstance(ours, ItemAccess) and agree(ours, theirs) == []


async def test_balances_parse_in_the_sdk_and_our_client_agrees(sim: SimulatorHandle):
    api = plaid_api(sim.url)
    token = await linked(api)

    answer = await sdk(
        lambda: api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token))
    )

    assert isinstance(answer, AccountsGetResponse)
    assert [a.subtype.value for a in answer.accounts] == ["checking", "savings", "credit card"]
    assert all("persistent_account_id" not in a for a in answer.accounts)
    fixture = recorded("plaid_accounts_balance_get", last_body(api))
    theirs = sdk_parse(api, fixture, AccountsGetResponse)
    ours = await ours_over(
        "/accounts/balance/get", fixture, lambda c: c.get_balances(SecretStr("access-x"))
    )
    assert agree(_Balances(accounts=ours), theirs) == []


async def test_item_get_and_institution_parse_in_the_sdk_and_our_client_agrees(
    sim: SimulatorHandle,
):
    api = plaid_api(sim.url)
    token = await linked(api, "ins_109511")

    item = await sdk(lambda: api.item_get(ItemGetRequest(access_token=token)))
    item_fixture = recorded("plaid_item_get", last_body(api))
    institution = await sdk(
        lambda: api.institutions_get_by_id(
            InstitutionsGetByIdRequest(
                institution_id=item.item.institution_id, country_codes=[CountryCode("US")]
            )
        )
    )
    institution_fixture = recorded("plaid_institutions_get_by_id", last_body(api))

    assert isinstance(item, ItemGetResponse) and item.item.institution_id == "ins_109511"
    assert isinstance(institution, InstitutionsGetByIdResponse)
    assert institution.institution.name == "Tartan Bank"
    read = _Item.model_validate_json(item_fixture)
    assert agree(read, sdk_parse(api, item_fixture, ItemGetResponse)) == []
    named = _Institution.model_validate_json(institution_fixture)
    assert agree(named, sdk_parse(api, institution_fixture, InstitutionsGetByIdResponse)) == []
    with respx.mock(assert_all_called=True) as router:
        router.post("https://sandbox.plaid.test/item/get").respond(200, content=item_fixture)
        router.post("https://sandbox.plaid.test/institutions/get_by_id").respond(
            200, content=institution_fixture
        )
        async with httpx.AsyncClient() as http:
            name = await our_client(http).get_institution_name(SecretStr("access-x"))
    assert name == "Tartan Bank"


async def test_transactions_sync_parses_in_the_sdk_and_our_client_agrees(sim: SimulatorHandle):
    api = plaid_api(sim.url)
    token = await linked(api)

    answer = await sdk(
        lambda: api.transactions_sync(TransactionsSyncRequest(access_token=token, count=500))
    )

    assert isinstance(answer, TransactionsSyncResponse)
    assert len(answer.added) == 3 * sim.config.transactions_per_account and not answer.has_more
    fixture = recorded("plaid_transactions_sync", last_body(api))
    theirs = sdk_parse(api, fixture, TransactionsSyncResponse)
    assert agree(TransactionsSyncPage.model_validate_json(fixture), theirs) == []
    result = await ours_over(
        "/transactions/sync", fixture, lambda c: c.sync_transactions(SecretStr("access-x"))
    )
    assert agree(result.added, theirs.added) == [] and result.next_cursor == theirs.next_cursor


async def test_webhook_verification_key_parses_in_the_sdk_and_our_client_agrees(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    api = plaid_api(sim.url)
    await linked(api)  # the exchange sends SYNC_UPDATES_AVAILABLE, signed

    async def signed_webhook() -> None:
        assert recorder.at("/webhooks/plaid")

    await eventually(signed_webhook)
    token = recorder.at("/webhooks/plaid")[0].headers["Plaid-Verification"]
    kid = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    answer = await sdk(
        lambda: api.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=kid))
    )

    assert isinstance(answer, WebhookVerificationKeyGetResponse) and answer.key.kid == kid
    assert answer.key.expired_at is None
    fixture = recorded("plaid_webhook_verification_key_get", last_body(api))
    theirs = sdk_parse(api, fixture, WebhookVerificationKeyGetResponse)
    assert agree(_VerificationKey.model_validate_json(fixture), theirs) == []


# --- Sandbox fidelity ------------------------------------------------------------------


@pytest.mark.parametrize("institution_id", SANDBOX_INSTITUTIONS)
async def test_plaids_documented_sandbox_institutions_link_with_user_good(
    sim: SimulatorHandle, institution_id: str
):
    api = plaid_api(sim.url)

    token = await linked(
        api, institution_id, override_username="user_good", override_password="pass_good"
    )
    item = await sdk(lambda: api.item_get(ItemGetRequest(access_token=token)))

    assert item.item.institution_id == institution_id
    assert institution_id in {bank.institution_id for bank in INSTITUTIONS}


async def test_wrong_sandbox_credentials_are_refused_with_plaids_item_error(sim: SimulatorHandle):
    api = plaid_api(sim.url)

    with pytest.raises(plaid.ApiException) as refused:
        await linked(api, override_username="user_good", override_password="wrong")

    error = sdk_parse(api, refused.value.body.encode(), PlaidError)
    assert (refused.value.status, error.error_type.value, error.error_code) == (
        400,
        "ITEM_ERROR",
        "INVALID_CREDENTIALS",
    )


# --- error answers our client handles ------------------------------------------------


async def our_error(sim: SimulatorHandle, call: Callable[[PlaidClient], Any]) -> ConnectorError:
    config = AggregationConfig(
        base_url=sim.url, client_id=PLAID_CLIENT_ID, secret=SecretStr(PLAID_SECRET), policy=NO_RETRY
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConnectorError) as raised:
            await call(PlaidClient(http, config))
    return raised.value


async def test_an_invalid_access_token_is_plaids_error_and_a_permanent_error_for_us(
    sim: SimulatorHandle,
):
    api = plaid_api(sim.url)

    with pytest.raises(plaid.ApiException) as refused:
        await sdk(
            lambda: api.accounts_balance_get(AccountsBalanceGetRequest(access_token="access-no"))
        )

    error = sdk_parse(api, refused.value.body.encode(), PlaidError)
    assert (error.error_type.value, error.error_code) == ("INVALID_INPUT", "INVALID_ACCESS_TOKEN")
    ours = await our_error(sim, lambda c: c.get_balances(SecretStr("access-no")))
    assert type(ours) is PermanentError and ours.code == "INVALID_ACCESS_TOKEN"


async def test_item_login_required_after_reset_login_reaches_sdk_and_our_client(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    api = plaid_api(sim.url)
    token = await linked(api)

    reset = await sdk(
        lambda: api.sandbox_item_reset_login(SandboxItemResetLoginRequest(access_token=token))
    )
    with pytest.raises(plaid.ApiException) as refused:
        await sdk(lambda: api.transactions_sync(TransactionsSyncRequest(access_token=token)))
    item = await sdk(lambda: api.item_get(ItemGetRequest(access_token=token)))

    assert reset.reset_login is True
    error = sdk_parse(api, refused.value.body.encode(), PlaidError)
    assert (error.error_type.value, error.error_code) == ("ITEM_ERROR", "ITEM_LOGIN_REQUIRED")
    assert item.item.error.error_code == "ITEM_LOGIN_REQUIRED"
    ours = await our_error(sim, lambda c: c.sync_transactions(SecretStr(token)))
    assert isinstance(ours, PermanentError) and ours.code == "ITEM_LOGIN_REQUIRED"

    async def item_error_webhook() -> None:
        codes = [json.loads(h.body)["webhook_code"] for h in recorder.at("/webhooks/plaid")]
        assert "ERROR" in codes

    await eventually(item_error_webhook)


async def test_the_per_item_balance_limit_is_plaids_429_with_retry_after(sim: SimulatorHandle):
    api = plaid_api(sim.url)
    token = await linked(api)
    for _ in range(5):  # Plaid's published per-Item limit: 5 a minute
        await sdk(lambda: api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token)))

    with pytest.raises(plaid.ApiException) as refused:
        await sdk(lambda: api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token)))

    error = sdk_parse(api, refused.value.body.encode(), PlaidError)
    assert (refused.value.status, error.error_type.value) == (429, "RATE_LIMIT_EXCEEDED")
    assert error.error_code == "BALANCE_LIMIT"
    assert 0 < int(refused.value.headers["Retry-After"]) <= 60
    ours = await our_error(sim, lambda c: c.get_balances(SecretStr(token)))
    assert isinstance(ours, RateLimited) and ours.status == 429
    assert ours.retry_after is not None and 0 < ours.retry_after <= 60


async def test_bad_api_keys_are_plaids_error_and_an_authentication_error_for_us(
    sim: SimulatorHandle,
):
    config = AggregationConfig(
        base_url=sim.url, client_id="someone-else", secret=SecretStr("nope"), policy=NO_RETRY
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(AuthenticationError) as raised:
            await PlaidClient(http, config).create_link_token("member-1")

    assert raised.value.code == "INVALID_API_KEYS"


# --- webhooks we receive -------------------------------------------------------------

WEBHOOK_MODELS: dict[str, type] = {
    "SYNC_UPDATES_AVAILABLE": SyncUpdatesAvailableWebhook,
    "ERROR": ItemErrorWebhook,
    "LOGIN_REPAIRED": ItemLoginRepairedWebhook,
    "PENDING_DISCONNECT": PendingDisconnectWebhook,
    "PENDING_EXPIRATION": PendingExpirationWebhook,
    "USER_PERMISSION_REVOKED": UserPermissionRevokedWebhook,
}


async def test_every_webhook_we_receive_is_the_sdks_model_and_verifies_with_its_key(
    sim: SimulatorHandle, recorder: WebhookRecorder
):
    api = plaid_api(sim.url)
    token = await linked(api)  # SYNC_UPDATES_AVAILABLE
    for code in ("ERROR", "LOGIN_REPAIRED", "PENDING_DISCONNECT", "PENDING_EXPIRATION",
                 "USER_PERMISSION_REVOKED"):  # fmt: skip
        fire = SandboxItemFireWebhookRequest(access_token=token, webhook_code=code)
        await sdk(partial(api.sandbox_item_fire_webhook, fire))

    async def all_arrived() -> None:
        assert len(recorder.at("/webhooks/plaid")) == len(WEBHOOK_MODELS)

    await eventually(all_arrived)

    async def fetch_key_through_the_sdk(kid: str) -> Any:
        answer = await sdk(
            lambda: api.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=kid))
        )
        return _VerificationKey.model_validate_json(last_body(api)).key if answer else None

    verifier = PlaidWebhookVerifier(fetch_key_through_the_sdk)
    for hook in recorder.at("/webhooks/plaid"):
        body = json.loads(hook.body)
        model = WEBHOOK_MODELS[body["webhook_code"]]
        parsed = sdk_parse(api, hook.body, model)
        assert parsed.item_id == body["item_id"]
        recorded(f"plaid_webhook_{body['webhook_code'].lower()}", hook.body)
        await verifier.verify(hook.headers["Plaid-Verification"], hook.body)
