"""Fixed-window failure counters for sign-in and other guessable endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chalicelib.clock import Clock, utc_now
from chalicelib.errors import ThrottledError
from chalicelib.repositories.ports import ThrottleRepository

Subject = tuple[str, str]  # (scope, subject) e.g. ("store-login-ip", "203.0.113.9")


class Throttle:
    def __init__(
        self,
        repository: ThrottleRepository,
        *,
        max_failures: int,
        window: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._repository = repository
        self._max = max_failures
        self._window = window
        self._clock = clock

    def _window_start(self, now: datetime) -> datetime:
        seconds = int(self._window.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)

    def check(self, subjects: Sequence[Subject]) -> None:
        """Raises: ThrottledError when any subject used up its failures in this window."""
        now = self._clock()
        start = self._window_start(now)
        for scope, subject in subjects:
            if self._repository.failures(scope, subject, start) >= self._max:
                retry = int((start + self._window - now).total_seconds()) + 1
                raise ThrottledError("Too many attempts; try again later.", retry)

    def fail(self, subjects: Sequence[Subject]) -> None:
        start = self._window_start(self._clock())
        expires = start + self._window + timedelta(minutes=1)
        for scope, subject in subjects:
            self._repository.add_failure(scope, subject, start, expires)
