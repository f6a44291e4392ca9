"""Clientele: the Chalice application. Middleware and blueprint registration only.

Only the API's function imports this file (its Handler is `app.app`). Each event function's Handler
names its blueprint's module (`chalicelib.handlers.carts.abandoned_cart_sweep`, ...), which Lambda
imports instead: the event handler modules import no route, and the route modules no event handler.

In the API's Lambda function each route module is imported by the first request to one of its
routes (handlers/lazy_routes.py), and no event handler module at all. Everywhere else every
blueprint is registered here, up front: for `chalice package`, the local stack and the tests.
"""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.core.settings import lambda_function_name
from chalicelib.handlers.middleware import lambda_middleware

app = Chalice(app_name="clientele")


# Powertools around every handler the API serves (see lambda_middleware). The event handlers'
# modules attach the same middleware themselves: their Lambda functions never import this file.
for middleware in lambda_middleware():
    app.register_middleware(middleware)

if lambda_function_name() is not None:
    from chalicelib.handlers.lazy_routes import register_on_first_request

    register_on_first_request(app)
else:
    from chalicelib.handlers.addresses import addresses
    from chalicelib.handlers.cart_routes import cart_routes
    from chalicelib.handlers.carts import carts
    from chalicelib.handlers.config import config
    from chalicelib.handlers.customers import customers
    from chalicelib.handlers.groups import groups
    from chalicelib.handlers.import_routes import import_routes
    from chalicelib.handlers.imports import imports
    from chalicelib.handlers.mail import mail
    from chalicelib.handlers.mail_routes import mail_routes
    from chalicelib.handlers.openapi import openapi
    from chalicelib.handlers.privacy import privacy
    from chalicelib.handlers.privacy_routes import privacy_routes
    from chalicelib.handlers.shop import shop
    from chalicelib.handlers.staff import staff
    from chalicelib.handlers.store import store
    from chalicelib.handlers.store_routes import store_routes
    from chalicelib.handlers.storefront_keys import storefront_keys
    from chalicelib.handlers.threads import threads

    for blueprint in (
        staff,
        customers,
        addresses,
        config,
        groups,
        import_routes,
        imports,
        shop,
        store_routes,
        store,
        storefront_keys,
        cart_routes,
        carts,
        threads,
        mail_routes,
        mail,
        privacy_routes,
        privacy,
        openapi,
    ):
        app.register_blueprint(blueprint)
