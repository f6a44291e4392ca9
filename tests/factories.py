"""Factories and fixed clocks/ids for tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

FIXED_NOW = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sequential_ids(prefix: str = "01TEST") -> Callable[[], str]:
    counter = itertools.count(1)
    # 26 characters, like the ULIDs the app generates.
    return lambda: f"{prefix}{next(counter):0{26 - len(prefix)}d}"


_emails = itertools.count(1)


def customer_body(**overrides: Any) -> dict[str, Any]:
    number = next(_emails)
    body: dict[str, Any] = {
        "first_name": "Ana",
        "last_name": f"Person{number:05d}",
        "email": f"customer{number}@example.com",
    }
    body.update(overrides)
    return body
