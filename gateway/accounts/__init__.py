"""Linked accounts (Plaid-shaped aggregation): what this feature adds to each gateway role.

- web: `webhook.py`, the aggregator's item and transaction webhooks
  (`POST /webhooks/plaid`), and `linking.py`, the internal API the bff calls to
  link a login and request a sync (`/internal/v1`, bodies in `models.py`);
- worker: `flows.py`, syncing balances and transactions, flagging logins to re-link;
- scheduler: `nightly_sync.py`, the nightly balance refresh, and `sweeps.py`,
  failing syncs that stopped moving.

The rows live in `linked_items` and its accounts and transactions, written only
through `linked_items.py`.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from gateway.accounts import linking, nightly_sync, webhook
from gateway.accounts.flows import consumers
from gateway.accounts.sweeps import sweep_syncs
from gateway.internal import PREFIX
from gateway.providers import PLAID_WEBHOOK_PATH
from shared.jobs.job import Job, job
from shared.jobs.schedule import CatchUp

__all__ = ["consumers", "jobs", "routes", "sweep_syncs"]


def routes() -> list[web.RouteDef]:
    """The web role's account routes: the webhook and the internal linking API."""
    return [
        web.post(PLAID_WEBHOOK_PATH, webhook.receive, name="webhook_plaid"),
        web.post(
            PREFIX + "/members/{member_id}/link-token", linking.create_link_token, name="link_token"
        ),
        web.post(
            PREFIX + "/members/{member_id}/linked-items",
            linking.exchange_public_token,
            name="linked_items",
        ),
        web.post(PREFIX + "/linked-items/{linked_item_id}/sync", linking.request_sync, name="sync"),
    ]


def jobs() -> list[Job]:
    """The scheduler's account jobs."""
    return [
        job(
            "nightly-balance-refresh",
            nightly_sync.nightly_balance_refresh,
            cron=nightly_sync.CRON,
            timezone=nightly_sync.TIME_ZONE,
            # A missed slot's share moves to the next ones; a missed night is not replayed by day.
            catch_up=CatchUp.SKIP,
            grace=timedelta(minutes=15),
            description="balance refresh of every active linked login, spread over 01:00-05:00",
        ),
    ]
