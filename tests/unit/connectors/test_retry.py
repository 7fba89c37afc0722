"""The retry policy: what is retried, how long it waits, when it stops, and the budget."""

from __future__ import annotations

import logging

import pytest

from connectors.errors import PermanentError, RateLimited, TransientError
from connectors.retry import RetryBudget, RetryPolicy, RetrySettings
from tests.unit.connectors.conftest import FakeClock


def policy(clock: FakeClock, *, rng: float = 1.0, **settings: object) -> RetryPolicy:
    return RetryPolicy(
        "prov",
        RetrySettings.model_validate({"budget_floor": 100, **settings}),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: rng,
    )


class Flaky:
    """Fails with the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def transient(ambiguous: bool = False) -> TransientError:
    return TransientError("prov", "op", status=503, ambiguous=ambiguous)


async def test_a_transient_failure_is_retried_until_it_succeeds(clock: FakeClock) -> None:
    attempt = Flaky(transient(), transient())
    assert await policy(clock, max_attempts=3).call("op", attempt) == "ok"
    assert attempt.calls == 3


async def test_a_permanent_failure_is_not_retried(clock: FakeClock) -> None:
    attempt = Flaky(PermanentError("prov", "op", status=400))
    with pytest.raises(PermanentError):
        await policy(clock).call("op", attempt)
    assert attempt.calls == 1


async def test_the_last_error_surfaces_after_the_attempt_limit(clock: FakeClock) -> None:
    attempt = Flaky(*(transient() for _ in range(5)))
    with pytest.raises(TransientError):
        await policy(clock, max_attempts=3).call("op", attempt)
    assert attempt.calls == 3


async def test_backoff_is_exponential_with_full_jitter(clock: FakeClock) -> None:
    attempt = Flaky(*(transient() for _ in range(4)))
    retry = policy(clock, rng=0.5, max_attempts=5, base_delay_seconds=0.2, max_delay_seconds=1.0)
    await retry.call("op", attempt)
    # Half (the jitter draw) of 0.2, 0.4, 0.8 and then the 1.0 cap.
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.5])


async def test_an_ambiguous_failure_is_not_retried_for_a_non_idempotent_operation(
    clock: FakeClock,
) -> None:
    attempt = Flaky(transient(ambiguous=True))
    with pytest.raises(TransientError):
        await policy(clock).call("op", attempt, idempotent=False)
    assert attempt.calls == 1


async def test_an_unprocessed_failure_is_retried_even_when_not_idempotent(
    clock: FakeClock,
) -> None:
    attempt = Flaky(transient(ambiguous=False))
    assert await policy(clock).call("op", attempt, idempotent=False) == "ok"
    assert attempt.calls == 2


async def test_retry_after_within_the_cap_is_waited_for(clock: FakeClock) -> None:
    attempt = Flaky(RateLimited("prov", "op", retry_after=7.0))
    assert await policy(clock, max_retry_after_seconds=10).call("op", attempt) == "ok"
    assert clock.sleeps == [7.0]


async def test_retry_after_beyond_the_cap_surfaces_as_rate_limited(clock: FakeClock) -> None:
    attempt = Flaky(RateLimited("prov", "op", retry_after=120.0))
    with pytest.raises(RateLimited) as raised:
        await policy(clock, max_retry_after_seconds=10).call("op", attempt)
    assert raised.value.retry_after == 120.0
    assert attempt.calls == 1
    assert clock.sleeps == []


async def test_no_retry_starts_that_would_end_past_the_deadline(clock: FakeClock) -> None:
    attempt = Flaky(*(RateLimited("prov", "op", retry_after=4.0) for _ in range(5)))
    with pytest.raises(RateLimited):
        await policy(clock, max_attempts=10, deadline_seconds=10).call("op", attempt)
    assert clock.sleeps == [4.0, 4.0]
    assert attempt.calls == 3


async def test_each_retry_writes_one_log_line(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.retry")
    await policy(clock, max_attempts=3).call("op", Flaky(transient(), transient()))
    lines = [r for r in caplog.records if r.name == "connectors.retry"]
    assert [(r.provider, r.operation, r.attempt) for r in lines] == [  # type: ignore[attr-defined]
        ("prov", "op", 1),
        ("prov", "op", 2),
    ]


async def test_the_budget_keeps_retries_near_ten_percent_of_calls(clock: FakeClock) -> None:
    retry = RetryPolicy(
        "prov",
        RetrySettings(max_attempts=3, budget_ratio=0.1, budget_floor=2),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.0,
    )
    attempts = 0

    async def always_down() -> str:
        nonlocal attempts
        attempts += 1
        raise transient()

    calls = 200
    for _ in range(calls):
        with pytest.raises(TransientError):
            await retry.call("op", always_down)
    # Without the budget this storm would be 600 attempts.
    assert attempts <= calls * 1.1 + 2
    assert retry.budget.stats()["retries"] <= 0.1 * calls + 2


def test_the_budget_window_slides_so_old_calls_stop_counting(clock: FakeClock) -> None:
    budget = RetryBudget(ratio=0.1, window_seconds=10, floor=0, clock=clock)
    for _ in range(100):
        budget.record_call()
    assert budget.try_spend()
    clock.advance(11)
    assert not budget.try_spend()
    assert budget.stats() == {"calls": 0, "retries": 0}
