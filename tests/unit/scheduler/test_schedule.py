"""Cron slots in a time zone and the catch-up decision, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest

from shared.jobs.clock import ManualClock
from shared.jobs.schedule import CatchUp, Schedule, decide

EVERY_TEN = Schedule("*/10 * * * *")
GRACE = timedelta(minutes=2)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2030, 6, 1, hour, minute, second, tzinfo=UTC)


def test_no_slot_is_due_before_the_next_one_comes():
    assert (
        decide(EVERY_TEN, CatchUp.RUN_ONCE, grace=GRACE, after=at(9, 0), now=at(9, 9, 59)) is None
    )


def test_the_slot_that_just_came_is_run_with_nothing_missed():
    decision = decide(EVERY_TEN, CatchUp.SKIP, grace=GRACE, after=at(9, 0), now=at(9, 10))
    assert decision is not None
    assert (decision.action, decision.slot, decision.missed) == ("run", at(9, 10), 0)


def test_run_once_folds_every_missed_slot_into_one_run_of_the_latest():
    decision = decide(EVERY_TEN, CatchUp.RUN_ONCE, grace=GRACE, after=at(9, 0), now=at(12, 5))
    assert decision is not None
    assert (decision.action, decision.slot, decision.missed) == ("run", at(12, 0), 17)
    assert decision.covers_after == at(9, 0)


def test_skip_records_the_latest_late_slot_as_skipped():
    decision = decide(EVERY_TEN, CatchUp.SKIP, grace=GRACE, after=at(9, 0), now=at(12, 5))
    assert decision is not None
    assert (decision.action, decision.slot, decision.missed) == ("skip", at(12, 0), 18)


def test_skip_still_runs_a_slot_within_its_grace():
    decision = decide(EVERY_TEN, CatchUp.SKIP, grace=GRACE, after=at(9, 0), now=at(12, 1))
    assert decision is not None
    assert (decision.action, decision.slot, decision.missed) == ("run", at(12, 0), 17)


def test_slots_are_read_in_the_jobs_time_zone_across_daylight_saving_time():
    nightly = Schedule("0 2 * * *", "America/New_York")
    winter = nightly.next_after(datetime(2030, 1, 10, tzinfo=UTC))
    summer = nightly.next_after(datetime(2030, 7, 10, tzinfo=UTC))
    assert (winter.hour, summer.hour) == (7, 6)  # 02:00 EST and 02:00 EDT, in UTC
    assert nightly.latest_at_or_before(winter) == winter


def test_the_repeated_autumn_hour_gives_two_distinct_slots():
    half_hourly = Schedule("*/30 1 * * *", "America/New_York")
    start = datetime(2030, 11, 3, 4, 0, tzinfo=UTC)  # 00:00 EDT on the change night
    assert half_hourly.count_between(start, start + timedelta(hours=4)) == 4


@pytest.mark.parametrize("cron", ["* * * *", "61 * * * *", "not cron", "* * * * * *"])
def test_a_malformed_cron_expression_is_refused(cron):
    with pytest.raises(ValueError):
        Schedule(cron)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ZoneInfoNotFoundError):
        Schedule("* * * * *", "Mars/Olympus_Mons")


def test_a_manual_clock_moves_only_forward():
    clock = ManualClock(at(9, 0))
    assert clock.advance(timedelta(minutes=5)) == at(9, 5)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(datetime(2030, 1, 1))
