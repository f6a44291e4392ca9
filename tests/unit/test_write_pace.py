"""The import's write pace (core/pacing.py) on a fake clock: the budget it keeps, how it backs off
when DynamoDB throttles and speeds up again, and when it gives up. Nothing sleeps for real."""

from __future__ import annotations

import random

import pytest

from chalicelib.core.pacing import MAX_ATTEMPTS, MAX_BACKOFF_SECONDS, PaceReport, WritePace


class ThrottledWriteError(Exception):
    pass


class FakeTime:
    """A monotonic clock that the pace's sleeps move forward, and the sleeps it was asked for."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def throttled(error: Exception) -> bool:
    return isinstance(error, ThrottledWriteError)


def pace_on(time: FakeTime, units_per_second: float = 100, attempts: int = MAX_ATTEMPTS) -> WritePace:
    return WritePace(
        units_per_second, clock=time.clock, sleep=time.sleep, jitter=random.Random(7), attempts=attempts
    )


def write_of(pace: WritePace, units: int, refusals: list[bool] | None = None) -> str:
    """A write that costs `units` and is refused for throughput once per True in `refusals`."""
    pending = list(refusals or [])

    def write() -> str:
        pace.admit(units)
        if pending and pending.pop(0):
            raise ThrottledWriteError()
        return "written"

    return pace.run(write, throttled)


def test_writes_within_one_second_of_budget_go_at_once_and_the_rest_wait_their_share() -> None:
    time = FakeTime()
    pace = pace_on(time, units_per_second=100)
    for _ in range(4):
        write_of(pace, 25)  # the first second's 100 units: no wait
    assert time.sleeps == []
    write_of(pace, 50)
    assert time.sleeps == [pytest.approx(0.5)]  # 50 units at 100/s
    time.now += 2.0  # idle: the bucket refills, to one second's worth only
    write_of(pace, 100)
    write_of(pace, 10)
    assert time.sleeps == [pytest.approx(0.5), pytest.approx(0.1)]
    assert pace.report() == PaceReport(throttled=0, backoff_seconds=0.0, paced_seconds=pytest.approx(0.6))


def test_a_throttled_write_is_sent_again_after_a_jittered_capped_backoff_at_half_the_rate() -> None:
    time = FakeTime()
    pace = pace_on(time, units_per_second=100)
    assert write_of(pace, 10, refusals=[True, True, True]) == "written"
    report = pace.report()
    assert report.throttled == 3
    # Full jitter: each wait is drawn in [0, 0.05 x 2^attempt], from the injected generator.
    draws = random.Random(7)
    expected = [draws.uniform(0, 0.05 * 2**attempt) for attempt in range(3)]
    backoffs = [s for s in time.sleeps if s in expected]
    assert backoffs == pytest.approx(expected)
    assert report.backoff_seconds == pytest.approx(sum(expected))
    # Three halvings (100 → 12.5), then the write that went through gave back 5 % of the target.
    assert pace.rate == pytest.approx(12.5 + 5)


def test_the_pace_speeds_up_again_to_its_target_and_never_above() -> None:
    time = FakeTime()
    pace = pace_on(time, units_per_second=100)
    write_of(pace, 1, refusals=[True])
    assert pace.rate == pytest.approx(55)
    for _ in range(9):
        write_of(pace, 1)
    assert pace.rate == pytest.approx(100)
    write_of(pace, 1)
    assert pace.rate == pytest.approx(100)


def test_the_rate_never_falls_below_a_sixteenth_and_the_backoff_never_exceeds_its_cap() -> None:
    time = FakeTime()
    pace = pace_on(time, units_per_second=160, attempts=20)
    write_of(pace, 1, refusals=[True] * 19)
    assert pace.report().throttled == 19
    assert pace.rate == pytest.approx(10 + 8)  # the floor (160 / 16), then one recovery step
    assert max(time.sleeps) <= MAX_BACKOFF_SECONDS


def test_it_gives_the_throttling_back_after_its_last_attempt() -> None:
    time = FakeTime()
    pace = pace_on(time, attempts=4)
    with pytest.raises(ThrottledWriteError):
        write_of(pace, 1, refusals=[True] * 4)
    assert pace.report().throttled == 3  # the fourth refusal is the caller's


def test_any_other_failure_is_raised_at_once_without_a_retry() -> None:
    time = FakeTime()
    pace = pace_on(time)
    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise ValueError("condition failed")

    with pytest.raises(ValueError, match="condition failed"):
        pace.run(failing, throttled)
    assert calls == [1] and time.sleeps == [] and pace.report() == PaceReport()


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        WritePace(0)
