"""The abandoned-cart sweep, a scheduled Lambda function of its own.

Its Handler in the template is `chalicelib.handlers.carts.abandoned_cart_sweep`: Lambda imports this
module, not app.py (Chalice names a blueprint's event handler by the blueprint's module), so the
function's cold start is what this module imports. It imports no route, no schema and no service:
the sweep's service loads with its first run (wiring). The cart and order routes are in
cart_routes.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from chalicelib.core.observability import logger
from chalicelib.handlers.events import event_time, remaining_time
from chalicelib.handlers.middleware import with_lambda_middleware
from chalicelib.wiring import container

carts = Blueprint(__name__)


@carts.schedule("rate(15 minutes)", name="abandoned-cart-sweep")
def abandoned_cart_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    """Mark idle carts abandoned and send their one reminder. The event time is the sweep's "now",
    so a redelivered event does the same work (and mails nobody twice)."""
    result = container().sweep.run(event_time(event), remaining_time(event))
    logger.info("sweep finished", stopped_early=result.stopped_early)
    return asdict(result)


with_lambda_middleware(abandoned_cart_sweep)
