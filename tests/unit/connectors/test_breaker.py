"""The circuit breaker: when it opens, how it probes, what it reports."""

from __future__ import annotations

import pytest

from connectors.breaker import BreakerSettings, BreakerState, CircuitBreaker
from connectors.errors import CircuitOpen, PermanentError, RateLimited, TransientError
from tests.unit.connectors.conftest import FakeClock

DOWN = TransientError("prov", "op", status=503)


def breaker(clock: FakeClock, **settings: object) -> CircuitBreaker:
    return CircuitBreaker("prov", BreakerSettings.model_validate(settings), clock=clock)


def call(b: CircuitBreaker, outcome: BaseException | None) -> None:
    b.before_call("op")
    b.record(outcome)


def test_consecutive_failures_open_the_breaker(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=3)
    for _ in range(3):
        call(b, DOWN)
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as raised:
        b.before_call("op")
    assert raised.value.retry_after == pytest.approx(5.0)


def test_a_success_resets_the_consecutive_count(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=3)
    for outcome in (DOWN, DOWN, None, DOWN, DOWN):
        call(b, outcome)
    assert b.state is BreakerState.CLOSED


def test_a_high_failure_rate_opens_the_breaker(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=100, failure_rate=0.5, min_calls=10)
    for i in range(10):
        call(b, DOWN if i % 2 else None)
    assert b.state is BreakerState.OPEN


def test_rate_limits_and_client_errors_do_not_count_against_the_provider(
    clock: FakeClock,
) -> None:
    b = breaker(clock, consecutive_failures=2)
    for _ in range(5):
        call(b, RateLimited("prov", "op", retry_after=1))
        call(b, PermanentError("prov", "op", status=400))
    assert b.state is BreakerState.CLOSED


def test_after_the_cool_down_one_probe_goes_through_and_success_closes(
    clock: FakeClock,
) -> None:
    b = breaker(clock, consecutive_failures=1, open_seconds=5)
    call(b, DOWN)
    clock.advance(5)
    assert b.state is BreakerState.HALF_OPEN
    b.before_call("op")
    with pytest.raises(CircuitOpen):
        b.before_call("op")  # only one probe at a time
    b.record(None)
    assert b.snapshot().state is BreakerState.CLOSED
    call(b, None)


def test_a_failed_probe_opens_the_breaker_again(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=1, open_seconds=5)
    call(b, DOWN)
    clock.advance(5)
    call(b, DOWN)
    assert b.state is BreakerState.OPEN
    assert b.snapshot().times_opened == 2


def test_an_abandoned_probe_frees_its_slot(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=1, open_seconds=5)
    call(b, DOWN)
    clock.advance(5)
    b.before_call("op")
    b.abandon()
    b.before_call("op")


def test_the_snapshot_shows_state_for_health_and_ops(clock: FakeClock) -> None:
    b = breaker(clock, consecutive_failures=2, open_seconds=5)
    call(b, None)
    call(b, DOWN)
    call(b, DOWN)
    clock.advance(2)
    snap = b.snapshot()
    assert snap.state is BreakerState.OPEN
    assert snap.window_calls == 3
    assert snap.window_failures == 2
    assert snap.retry_after_seconds == pytest.approx(3.0)
