"""Clientele: the Chalice application. Middleware and blueprint registration only."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.core.observability import logger, metrics, tracer, tracing_enabled
from chalicelib.handlers.addresses import addresses
from chalicelib.handlers.carts import carts
from chalicelib.handlers.config import config
from chalicelib.handlers.customers import customers
from chalicelib.handlers.groups import groups
from chalicelib.handlers.imports import imports
from chalicelib.handlers.mail import mail
from chalicelib.handlers.middleware import DecoratorMiddleware
from chalicelib.handlers.openapi import openapi
from chalicelib.handlers.privacy import privacy
from chalicelib.handlers.shop import shop
from chalicelib.handlers.staff import staff
from chalicelib.handlers.store import store
from chalicelib.handlers.storefront_keys import storefront_keys
from chalicelib.handlers.threads import threads

app = Chalice(app_name="clientele")


def tracing_middleware() -> DecoratorMiddleware:
    """X-Ray tracing of every handler. The tracer's defaults copy each handler's response and
    exception text into X-Ray metadata: responses carry session, cart and reset tokens and personal
    data, exception text can quote the caller's input. Traces keep timings and annotations only
    (issue 16 §4)."""
    return DecoratorMiddleware(tracer().capture_lambda_handler(capture_response=False, capture_error=False))


# Powertools wired through Chalice middleware: structured logs with the Lambda context, traces
# where tracing is on (elsewhere the X-Ray SDK is not even imported: a cold start pays ~100 ms
# for it), metrics flushed at the end of each invocation. Each decorator is applied once, not per
# invocation (see handlers/middleware.py).
app.register_middleware(DecoratorMiddleware(logger.inject_lambda_context(clear_state=True)))
if tracing_enabled():
    app.register_middleware(tracing_middleware())
app.register_middleware(DecoratorMiddleware(metrics.log_metrics))

for blueprint in (
    staff,
    customers,
    addresses,
    config,
    groups,
    imports,
    shop,
    store,
    storefront_keys,
    carts,
    threads,
    mail,
    privacy,
    openapi,
):
    app.register_blueprint(blueprint)
