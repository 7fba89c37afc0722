"""Nightly balance refresh of every active linked login, spread evenly over a night window.

The job's slots are every 10 minutes from 01:00 to 04:50 (US Eastern), 24 in
all. Each run requests a share of the logins not yet refreshed (or requested)
since the window opened tonight: ceil(remaining / slots left), oldest sync
first, capped per run. So the requests come in even chunks, a slot that runs
late or is skipped is made up by the next ones, and a login is requested at
most once a night. That keeps the aggregator's calls flat over four hours:
one balance refresh per login per night, far inside its per-login limit
(`AggregationConfig.item_rate_limits`), with the worker's own limiter
and retry policy absorbing the rest. Catch-up is `skip` with a short grace:
a night the scheduler missed entirely is not replayed at breakfast time.

A requested login is marked `syncing` (as the internal API does) in the same
transaction as its `accounts.sync_requested` event (reason `nightly`); logins
already syncing are left alone. A manual run (`jobs run`) requests every login
still due tonight at once.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.accounts import linked_items
from shared.database import Cursor
from shared.events import AccountsSyncRequested
from shared.jobs.job import JobContext

TIME_ZONE = "America/New_York"
WINDOW_START_HOUR = 1
WINDOW_HOURS = 4
STEP_MINUTES = 10
CRON = f"*/{STEP_MINUTES} {WINDOW_START_HOUR}-{WINDOW_START_HOUR + WINDOW_HOURS - 1} * * *"
SLOTS_PER_NIGHT = WINDOW_HOURS * 60 // STEP_MINUTES
# Keeps one run's transaction (and outbox burst) bounded; later slots take the rest.
MAX_PER_RUN = 5_000


def window_start(moment: datetime) -> datetime:
    """When the latest nightly window at or before `moment` opened (UTC)."""
    local = moment.astimezone(ZoneInfo(TIME_ZONE))
    start = local.replace(hour=WINDOW_START_HOUR, minute=0, second=0, microsecond=0)
    if start > local:
        start = (local - timedelta(days=1)).replace(
            hour=WINDOW_START_HOUR, minute=0, second=0, microsecond=0
        )
    return start.astimezone(ZoneInfo("UTC"))


def slots_left(slot: datetime) -> int:
    """Slots of tonight's window from `slot` (included) to its end; at least 1."""
    local = slot.astimezone(ZoneInfo(TIME_ZONE))
    index = ((local.hour - WINDOW_START_HOUR) * 60 + local.minute) // STEP_MINUTES
    return max(SLOTS_PER_NIGHT - index, 1) if 0 <= index < SLOTS_PER_NIGHT else 1


def share(remaining: int, left: int) -> int:
    """How many logins this run requests: an even share of what is left, capped."""
    return min(math.ceil(remaining / left), MAX_PER_RUN) if remaining else 0


async def nightly_balance_refresh(ctx: JobContext) -> None:
    """Request this slot's share of tonight's balance refreshes."""
    now = ctx.now()
    since = window_start(ctx.scheduled_for)
    left = 1 if ctx.claim.trigger == "manual" else slots_left(ctx.scheduled_for)
    async with ctx.completing() as cur:
        remaining = await linked_items.count_due_tonight(cur, since=since)
        quota = share(remaining, left)
        requested = await _request(ctx, cur, since=since, quota=quota, now=now)
        ctx.record(remaining=remaining, slots_left=left, requested=requested)


async def _request(
    ctx: JobContext, cur: Cursor, *, since: datetime, quota: int, now: datetime
) -> int:
    if quota == 0:
        return 0
    items = await linked_items.request_due_tonight(cur, since=since, quota=quota, now=now)
    events = [
        ("accounts.sync_requested", AccountsSyncRequested(linked_item_id=item, reason="nightly"))
        for item in items
    ]
    return await ctx.emit(cur, events)
