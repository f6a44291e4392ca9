"""The retention cleanup, a scheduled Lambda function of its own.

Its Handler in the template is `chalicelib.handlers.privacy.retention_cleanup`: Lambda imports this
module, not app.py (Chalice names a blueprint's event handler by the blueprint's module), so the
function's cold start is what this module imports: no route, no schema, no service before its
first run. The privacy routes are in privacy_routes.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from chalicelib.core.observability import logger
from chalicelib.handlers.events import event_time, remaining_time
from chalicelib.handlers.middleware import with_lambda_middleware
from chalicelib.wiring import container

privacy = Blueprint(__name__)


@privacy.schedule("rate(1 day)", name="retention-cleanup")
def retention_cleanup(event: CloudWatchEvent) -> dict[str, Any]:
    """Resume unfinished erasures, erase old guests who never ordered, delete old abandoned carts.
    Keyed queries only; safe to run twice (every rule is idempotent)."""
    result = container().retention.run(event_time(event), remaining_time(event))
    logger.info("retention cleanup finished", stopped_early=result.stopped_early)
    return asdict(result)


with_lambda_middleware(retention_cleanup)
