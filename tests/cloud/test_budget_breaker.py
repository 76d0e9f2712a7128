"""The request budget (minute and day caps, persistent) and the circuit breaker."""

from __future__ import annotations

from datetime import datetime, timezone

from codecoach.providers.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from codecoach.providers.budget import Budget
from codecoach.providers.store import CloudStore

from .conftest import Clock


def test_per_minute_cap_and_the_window_slides(clock: Clock) -> None:
    budget = Budget(per_minute=3, per_day=100, clock=clock)
    assert [budget.try_acquire() for _ in range(5)] == [True, True, True, False, False]
    assert budget.blocked_reason() == "minute"
    assert 0 < budget.wait_seconds() <= 60
    clock.advance(61)
    assert budget.try_acquire()
    assert budget.calls_left_today() == 96


def test_per_hour_cap_keeps_an_hour_of_typing_to_its_share(clock: Clock) -> None:
    budget = Budget(per_minute=100, per_day=1000, store=CloudStore(None), per_hour=3, clock=clock)
    for _ in range(2):
        assert budget.try_acquire()
        clock.advance(120)
    # An explanation leaves the last call of the hour to analysis...
    assert not budget.try_acquire(reserve_hour=1)
    assert budget.try_acquire()
    clock.advance(60)
    assert not budget.try_acquire() and budget.blocked_reason() == "hour"
    assert 0 < budget.wait_seconds() <= 3600
    clock.advance(3600)
    assert budget.try_acquire()


def test_the_day_count_survives_a_restart(clock: Clock, tmp_path) -> None:
    path = tmp_path / "cloud.sqlite3"
    first = Budget(per_minute=100, per_day=5, store=CloudStore(path), clock=clock)
    for _ in range(3):
        assert first.try_acquire()
    restarted = Budget(per_minute=100, per_day=5, store=CloudStore(path), clock=clock)
    assert restarted.calls_left_today() == 2
    assert restarted.try_acquire() and restarted.try_acquire()
    assert not restarted.try_acquire()
    assert restarted.blocked_reason() == "day"


def test_the_day_resets_at_midnight_pacific(clock: Clock) -> None:
    budget = Budget(per_minute=100, per_day=2, clock=clock)
    assert budget.try_acquire() and budget.try_acquire() and not budget.try_acquire()
    reset = budget.next_reset()
    assert reset.tzinfo is not None and reset > datetime.fromtimestamp(clock.now, timezone.utc)
    assert reset.astimezone(budget._zone).hour == 0  # midnight where the quota lives
    clock.now = reset.timestamp() + 1
    assert budget.calls_left_today() == 2 and budget.try_acquire()


def test_a_retry_delay_blocks_every_call_until_it_passed_even_after_restart(clock: Clock, tmp_path) -> None:
    store = CloudStore(tmp_path / "c.sqlite3")
    budget = Budget(per_minute=100, per_day=100, store=store, clock=clock)
    budget.block_for(30)
    assert not budget.try_acquire() and budget.blocked_reason() == "retry"
    assert budget.wait_seconds() == 30
    again = Budget(per_minute=100, per_day=100, store=CloudStore(tmp_path / "c.sqlite3"), clock=clock)
    assert not again.try_acquire()
    clock.advance(31)
    assert again.try_acquire()


def test_a_per_day_quota_from_the_provider_uses_up_the_day(clock: Clock) -> None:
    budget = Budget(per_minute=100, per_day=100, clock=clock)
    budget.exhaust_day()
    assert budget.calls_left_today() == 0
    assert not budget.try_acquire()
    clock.now = budget.next_reset().timestamp() + 1
    assert budget.try_acquire()


def test_reserves_leave_room_for_more_important_calls(clock: Clock) -> None:
    budget = Budget(per_minute=3, per_day=100, clock=clock)
    assert budget.try_acquire(reserve_minute=2)
    assert not budget.try_acquire(reserve_minute=2)
    assert budget.try_acquire() and budget.try_acquire()


def test_breaker_opens_after_k_failures_then_half_opens_for_one_probe(clock: Clock) -> None:
    breaker = CircuitBreaker(failures=3, cooldown=300, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    clock.advance(299)
    assert not breaker.allow()
    clock.advance(2)
    assert breaker.state == HALF_OPEN
    assert breaker.allow()  # the single probe
    assert not breaker.allow()  # nobody else while it is out
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.allow()


def test_a_failed_probe_reopens_for_a_full_cooldown(clock: Clock) -> None:
    breaker = CircuitBreaker(failures=1, cooldown=300, clock=clock)
    breaker.record_failure()
    clock.advance(300)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN
    clock.advance(299)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_a_success_resets_the_count_and_a_long_retry_delay_lengthens_the_pause(clock: Clock) -> None:
    breaker = CircuitBreaker(failures=2, cooldown=300, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.record_failure(open_for=900)
    clock.advance(600)
    assert breaker.state == OPEN
    clock.advance(300)
    assert breaker.state == HALF_OPEN


def test_release_frees_an_unused_probe(clock: Clock) -> None:
    breaker = CircuitBreaker(failures=1, cooldown=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()
