"""The API's routes, each module imported by the first request it serves (issue 19 goal 1).

A request needs one route module: its views and the request and response models they name.
Importing all of them (some 185 Pydantic models, the domain types they name) was most of the API
function's cold start, paid again by every cold start whatever its first request. In the API's
Lambda function app.py registers every route of route_table.ROUTES with a stand-in view instead;
the first request to a route of a module imports that module, swaps the module's stand-ins for
its blueprint (registered on the app as app.py registers it elsewhere) and is served by the real
view, so the next ones go straight to it. Chalice picks the route from API Gateway's resource path
and checks the content type before any view runs: the stand-ins carry each route's own method,
path and content types, so nothing a caller sees changes.

Outside Lambda (tests, the local stack, `chalice package`, the OpenAPI snapshot) app.py registers
every blueprint up front, and tests/unit/test_route_table.py checks the table against that.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice

from chalicelib.core.snapshots import before_snapshot
from chalicelib.handlers.route_table import ROUTES, RouteTable


def register_on_first_request(app: Chalice, table: RouteTable = ROUTES) -> None:
    """A stand-in for every route of `table`; under SnapStart, every module is loaded before the
    snapshot (restored copies then serve every route without an import)."""
    for module_name, routes in table.items():
        for method, path, content_types in routes:
            stand_in = _stand_in(app, table, module_name, method, path)
            app.route(path, methods=[method], cors=False, content_types=list(content_types))(stand_in)
    before_snapshot(lambda: load_every_module(app, table))


def load_every_module(app: Chalice, table: RouteTable = ROUTES) -> None:
    """Swap every stand-in left for its module's own routes."""
    for module_name in table:
        _load(app, table, module_name)


def _stand_in(
    app: Chalice, table: RouteTable, module_name: str, method: str, path: str
) -> Callable[..., Any]:
    def first_request(**path_params: str) -> Any:
        _load(app, table, module_name)
        return app.routes[path][method].view_function(**path_params)

    return first_request


def _load(app: Chalice, table: RouteTable, module_name: str) -> None:
    routes = table[module_name]
    method, path, _types = routes[0]
    if app.routes[path][method].view_function.__module__ != __name__:
        return  # loaded already
    module = importlib.import_module(module_name)
    for method, path, _types in routes:
        del app.routes[path][method]
    # Each handler module's blueprint is named after the module (customers.customers, ...).
    app.register_blueprint(getattr(module, module_name.rpartition(".")[2]))
