"""What the throttle needs from storage: counters that expire on their own."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ThrottleRepository(Protocol):
    def failures(self, scope: str, subject: str, window_start: datetime) -> int: ...

    def add_failure(
        self, scope: str, subject: str, window_start: datetime, expires_at: datetime, amount: int = 1
    ) -> int:
        """Atomically add `amount` to the counter and return the new count."""
