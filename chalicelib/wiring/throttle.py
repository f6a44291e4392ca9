"""The throttles' parts: the counters behind sign-in, contact-form and reminder limits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib.wiring.base import BaseParts, part

if TYPE_CHECKING:
    from chalicelib.throttle.ports import ThrottleRepository
    from chalicelib.throttle.service import LoginThrottle, Throttle


class ThrottleParts(BaseParts):
    @part
    def throttle_repository(self) -> ThrottleRepository:
        from chalicelib.throttle.repository import DynamoThrottleRepository

        return self.given.throttles or DynamoThrottleRepository()

    def failure_throttle(self, max_failures: int, window: timedelta) -> Throttle:
        from chalicelib.throttle.service import Throttle

        return Throttle(self.throttle_repository, max_failures=max_failures, window=window, clock=self.clock)

    def login_throttle(self, scope: str) -> LoginThrottle:
        from chalicelib.throttle.service import LoginThrottle

        settings = self.settings
        return LoginThrottle(
            self.throttle_repository,
            scope=scope,
            pair_max=settings.login_max_failures,
            ip_max=settings.login_max_failures_per_ip,
            window=timedelta(seconds=settings.login_window_seconds),
            clock=self.clock,
        )
