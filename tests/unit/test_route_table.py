"""The API's Lambda function registers its routes from chalicelib/handlers/route_table.py and imports
a route's module with its first request (lazy_routes.py): the table must be app.py's full
registration, route for route, or a route would be missing (or served by the wrong module) in AWS
alone. Whether the stand-ins answer exactly as the full app does is
tests/integration/test_cold_start.py's."""

from __future__ import annotations

import importlib

import app
from chalicelib.handlers.route_table import ROUTES
from devtools.route_table import render, route_table


def test_the_route_table_is_app_py_s_full_registration() -> None:
    assert route_table(app.app) == ROUTES, "a route changed: run python -m devtools.route_table"


def test_every_route_module_exports_its_blueprint_under_its_own_name() -> None:
    # lazy_routes registers `<module>.<last part of its name>` on the first request.
    for module_name in ROUTES:
        module = importlib.import_module(module_name)
        blueprint = getattr(module, module_name.rpartition(".")[2])
        assert blueprint.__class__.__name__ == "Blueprint", module_name


def test_the_rendered_table_reads_back_as_itself() -> None:
    namespace: dict[str, object] = {}
    exec(compile(render(ROUTES), "route_table.py", "exec"), namespace)  # noqa: S102 - our own generated text
    assert namespace["ROUTES"] == ROUTES
