"""The password-reset outbox, a scheduled Lambda function of its own.

Its Handler in the template is `chalicelib.handlers.store.password_reset_outbox`: Lambda imports this
module, not app.py (Chalice names a blueprint's event handler by the blueprint's module), so the
function's cold start is what this module imports: no route, no schema, no service before its
first run. The storefront account routes are in store_routes.py.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from chalicelib.core.observability import logger
from chalicelib.handlers.events import remaining_time
from chalicelib.handlers.middleware import with_lambda_middleware
from chalicelib.wiring import container

store = Blueprint(__name__)


@store.schedule("rate(1 minute)", name="password-reset-outbox")
def password_reset_outbox(event: CloudWatchEvent) -> dict[str, Any]:
    """Mail the reset links the forgot-password route queued (issue 16 §1.6): the route answers
    before anyone knows whether the account exists. Safe to run twice (one mail per request)."""
    handled = container().accounts.send_queued_resets(remaining_time(event))
    logger.info("password reset requests handled", handled=handled)
    return {"handled": handled}


with_lambda_middleware(password_reset_outbox)
