"""In-memory throttle counters, for unit tests."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime


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
