"""Plumbing shared by the scheduled and EventBridge handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.core.clock import parse_iso, utc_now
from chalicelib.core.settings import get_settings


def event_time(event: Any) -> datetime:
    """The event's own time: a schedule's "now", so a redelivered event does the same work."""
    time = getattr(event, "time", None)
    return parse_iso(time) if time else utc_now()


def remaining_time(event: Any) -> Callable[[], int] | None:
    """The Lambda's time left, in ms. Chalice keeps an event handler's context on the event
    (app.lambda_context is only set while serving HTTP); None when there is none."""
    remaining: Callable[[], int] | None = getattr(
        getattr(event, "context", None), "get_remaining_time_in_millis", None
    )
    return remaining


# -- events ------------------------------------------------------------------------------------------
def object_created(prefix: str) -> dict[str, Any]:
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [get_settings().bucket_name]}, "object": {"key": [{"prefix": prefix}]}},
    }
