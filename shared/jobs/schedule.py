"""When a job is due: cron slots in a time zone, and what to do about slots missed in downtime.

A slot is an instant (stored in UTC): `0 2 * * *` in America/New_York is 07:00
or 06:00 UTC depending on daylight saving time, and the repeated hour at the
autumn change gives two distinct instants. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import croniter

# Counting missed slots stops here: a minutely job down for a year is "at least this many".
MAX_COUNTED_SLOTS = 10_000


class CatchUp(StrEnum):
    """What a job does about the slots that passed while no scheduler replica was running."""

    # The missed slots are folded into one run, for the latest of them, as soon as possible.
    RUN_ONCE = "run_once"
    # Slots later than the job's grace are recorded as skipped; only an on-time slot runs.
    SKIP = "skip"


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment


@dataclass(frozen=True)
class Schedule:
    """A cron expression (five fields) read in an IANA time zone."""

    cron: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if len(self.cron.split()) != 5 or not croniter.is_valid(self.cron):
            raise ValueError(f"invalid cron expression {self.cron!r} (five fields expected)")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the cron fields are read in."""
        return ZoneInfo(self.timezone)

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment`, in UTC."""
        local = _aware(moment).astimezone(self.zone)
        slot: datetime = croniter(self.cron, local).get_next(datetime)
        return slot.astimezone(UTC)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last slot at or before `moment`, in UTC."""
        local = _aware(moment).astimezone(self.zone)
        previous: datetime = croniter(self.cron, local).get_prev(datetime)
        following: datetime = croniter(self.cron, previous).get_next(datetime)
        return (following if following <= local else previous).astimezone(UTC)

    def count_between(
        self, after: datetime, until: datetime, *, cap: int = MAX_COUNTED_SLOTS
    ) -> int:
        """How many slots fall in `(after, until]`, counting at most `cap`."""
        count = 0
        iterator = croniter(self.cron, _aware(after).astimezone(self.zone))
        while count < cap:
            slot: datetime = iterator.get_next(datetime)
            if slot > until:
                break
            count += 1
        return count


@dataclass(frozen=True)
class SlotDecision:
    """What a replica does with the due slots of a job on this tick."""

    action: Literal["run", "skip"]
    slot: datetime
    # Slots before `slot`, after the watermark, that get no run of their own.
    missed: int
    covers_after: datetime


def decide(
    schedule: Schedule,
    catch_up: CatchUp,
    *,
    grace: timedelta,
    after: datetime,
    now: datetime,
) -> SlotDecision | None:
    """The slot to run or skip now, given the last slot handled (`after`); None when none is due.

    `RUN_ONCE` runs the latest due slot whatever its age, folding the earlier ones
    into it. `SKIP` runs the latest due slot only when it is at most `grace` old;
    otherwise that slot is recorded as skipped and the job waits for its next one.
    """
    latest = schedule.latest_at_or_before(now)
    if latest <= after:
        return None
    due = schedule.count_between(after, now)
    on_time = now - latest <= grace
    if catch_up is CatchUp.RUN_ONCE or on_time:
        return SlotDecision("run", latest, missed=max(due - 1, 0), covers_after=after)
    return SlotDecision("skip", latest, missed=due, covers_after=after)
