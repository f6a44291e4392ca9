"""Adaptive pacing of bulk writes (the CSV import): a budget of write units per second, halved each
time DynamoDB throttles and regained step by step as writes go through, with capped exponential
backoff and full jitter before a throttled write is sent again.

Why not botocore's `retry_mode="adaptive"`: it paces requests, not write units (a 100-item
transaction costs it what a one-item put does), it does not take a TransactionCanceled whose
reasons are ThrottlingError for throttling, and it waits on the real clock, which a test could not
skip. Here the clock, the sleep and the jitter are injected.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# A throttled write is sent again after a random wait in [0, min(MAX_BACKOFF, FIRST_BACKOFF * 2^n)]
# ("full jitter": writers that were throttled together do not come back together).
FIRST_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 5.0
# Sends of one write before its throttling is given back to the caller: with the waits above, at
# most 16 s of backoff (8 s on average) at a sixteenth of the budget.
MAX_ATTEMPTS = 10
# The budget never falls below this share of the target, and each write that goes through gives
# back this share of it: after a throttle halves it, ten writes restore it.
SLOWEST_SHARE = 1 / 16
RECOVERY_SHARE = 1 / 20


@dataclass(frozen=True)
class PaceReport:
    """What a pace has absorbed so far."""

    throttled: int = 0  # sends DynamoDB refused for throughput, each sent again after a backoff
    backoff_seconds: float = 0.0  # time waited after those refusals
    paced_seconds: float = 0.0  # time waited to stay within the budget (no refusal involved)

    def since(self, earlier: PaceReport) -> PaceReport:
        return PaceReport(
            self.throttled - earlier.throttled,
            self.backoff_seconds - earlier.backoff_seconds,
            self.paced_seconds - earlier.paced_seconds,
        )


class WritePace:
    """One writer's pace (not thread-safe: an import run writes from one thread).

    `run(write, throttled)` sends `write` until it goes through: `write` calls `admit(units)` once
    it knows its cost, just before it sends, and `throttled(error)` tells a refusal for throughput
    from any other failure (those are raised at once)."""

    def __init__(
        self,
        units_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: random.Random | None = None,
        attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if units_per_second <= 0:
            raise ValueError("units_per_second must be positive")
        self._target = float(units_per_second)
        self._rate = self._target
        self._clock = clock
        self._sleep = sleep
        # Jitter spreads retries; it guards nothing, so a plain generator is right.
        self._jitter = jitter if jitter is not None else random.Random()  # noqa: S311
        self._attempts = attempts
        # A bucket of at most one second of the current budget, full at the start.
        self._available = self._rate
        self._stamp: float | None = None
        self._report = PaceReport()

    @property
    def rate(self) -> float:
        """The current budget, in write units per second."""
        return self._rate

    def report(self) -> PaceReport:
        return self._report

    def run(self, write: Callable[[], T], throttled: Callable[[Exception], bool]) -> T:
        for attempt in range(self._attempts):
            try:
                result = write()
            except Exception as error:
                if not throttled(error) or attempt + 1 == self._attempts:
                    raise
                self._back_off(attempt)
                continue
            self._rate = min(self._target, self._rate + self._target * RECOVERY_SHARE)
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    def admit(self, units: int) -> None:
        """Wait until `units` fit in the budget, then spend them."""
        now = self._clock()
        if self._stamp is not None:
            refilled = self._available + (now - self._stamp) * self._rate
            self._available = min(self._rate, refilled)
        self._stamp = now
        if units <= self._available:
            self._available -= units
            return
        wait = (units - self._available) / self._rate
        self._sleep(wait)
        # The wait refilled exactly what was missing, and the write spends it all.
        self._stamp, self._available = now + wait, 0.0
        self._report = PaceReport(
            self._report.throttled, self._report.backoff_seconds, self._report.paced_seconds + wait
        )

    def _back_off(self, attempt: int) -> None:
        self._rate = max(self._target * SLOWEST_SHARE, self._rate / 2)
        self._available = 0.0  # whatever was saved up was not DynamoDB's to give
        wait = self._jitter.uniform(0, min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2**attempt))
        self._sleep(wait)
        if self._stamp is not None:
            self._stamp = max(self._stamp, self._clock())
        self._report = PaceReport(
            self._report.throttled + 1,
            self._report.backoff_seconds + wait,
            self._report.paced_seconds,
        )
