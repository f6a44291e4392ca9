"""In-memory throttle counters, for unit tests."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime

from chalicelib.throttle.ports import ThrottleRepository


class MemoryThrottleRepository:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, datetime], int] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()  # an atomic ADD, like DynamoDB's

    def failures(self, scope: str, subject: str, window_start: datetime) -> int:
        return self.counts.get((scope, subject, window_start), 0)

    def add_failure(
        self, scope: str, subject: str, window_start: datetime, expires_at: datetime, amount: int = 1
    ) -> int:
        key = (scope, subject, window_start)
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + amount
            return self.counts[key]


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryThrottleRepository) -> ThrottleRepository:
    return fake
