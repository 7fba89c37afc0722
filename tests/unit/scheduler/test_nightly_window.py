"""The nightly refresh's window arithmetic: when tonight's window opened, what share to take."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.accounts.nightly_sync import (
    MAX_PER_RUN,
    SLOTS_PER_NIGHT,
    share,
    slots_left,
    window_start,
)


def test_the_window_opens_at_one_in_the_morning_new_york_time():
    assert window_start(datetime(2030, 1, 10, 8, 0, tzinfo=UTC)) == datetime(
        2030, 1, 10, 6, 0, tzinfo=UTC
    )
    # Before 01:00 local, the window in force is the previous night's.
    assert window_start(datetime(2030, 1, 10, 5, 0, tzinfo=UTC)) == datetime(
        2030, 1, 9, 6, 0, tzinfo=UTC
    )


def test_the_first_slot_has_the_whole_night_left_and_the_last_one_slot():
    assert slots_left(datetime(2030, 1, 10, 6, 0, tzinfo=UTC)) == SLOTS_PER_NIGHT
    assert slots_left(datetime(2030, 1, 10, 9, 50, tzinfo=UTC)) == 1
    assert slots_left(datetime(2030, 1, 10, 15, 0, tzinfo=UTC)) == 1  # outside: take it all


def test_each_run_takes_an_even_share_capped_per_run():
    assert share(0, 24) == 0
    assert share(30, 24) == 2
    assert share(23, 24) == 1
    assert share(10 * MAX_PER_RUN, 1) == MAX_PER_RUN
