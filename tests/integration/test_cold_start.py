"""The cold-start budget, asserted by structure, never by timing (issue 19 goal 1): what a fresh
process imports and computes for `import app` (the API's function) and, for each event function,
for importing its Handler's module and serving its first invocation.

Only the API's function imports app.py (Handler `app.app`); an event function's Handler names its
blueprint's module (`chalicelib.handlers.carts.abandoned_cart_sweep`), which Lambda imports instead.
Each case runs in its own interpreter (a module imported by an earlier test would hide one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import app
from chalicelib.handlers.route_table import ROUTES

ROOT = Path(__file__).resolve().parents[2]

# What the route declarations of app.py need from a feature: its request/response schemas and
# the domain types those name (plus the two data tables schemas use). Not its services, its
# repositories, its records or its parsers: those load with the function that calls them.
DECLARATIONS = {"schemas", "account_schemas", "domain", "attachments", "export_layouts"}
FEATURES = (
    "customers",
    "addresses",
    "groups",
    "staff",
    "shop",
    "storefront_keys",
    "carts",
    "support",
    "imports",
    "privacy",
    "mail",
    "throttle",
)

_PROBE = r"""
import json, sys

def report(**extra):
    from chalicelib.core import passwords
    print(json.dumps({
        "modules": sorted(sys.modules),
        "dummy_hash_computed": passwords._dummy_hash.cache_info().currsize > 0,
        **extra,
    }))

def handler_of(handler_string):
    # As Lambda's runtime: import the Handler's module (only it), take its attribute.
    import importlib
    module_name, _, attribute = handler_string.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)

class Context:
    function_name = "probe"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
    aws_request_id = "probe-request"
    function_version = "$LATEST"

def api_event(method, resource):
    import re
    path = re.sub(r"{\w+}", "x", resource)
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {"Host": "probe.local", "Content-Type": "application/json"},
        "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {name: "x" for name in re.findall(r"{(\w+)}", resource)} or None,
        "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "path": "/api" + path,
                           "stage": "api", "requestId": "probe", "identity": {"sourceIp": "127.0.0.1"}},
    }

mode = sys.argv[1] if len(sys.argv) > 1 else "app"
if mode == "app":
    import app
    report()
elif mode == "answers":  # every route, unauthenticated and without a body, in Lambda or not
    import os
    os.environ.setdefault("CLIENTELE_TOKEN_SECRET", "probe-secret-" + "x" * 40)  # 401s, not 503s
    if sys.argv[2] == "lambda":
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "probe"
    from moto import mock_aws
    with mock_aws():
        import app
        at_import = sorted(sys.modules)
        first = app.app(api_event("GET", "/admin/customers"), Context())
        after_first = sorted(sys.modules)
        from chalicelib.handlers.route_table import ROUTES
        answers = [[method, resource, first["statusCode"], first["body"]]
                   for method, resource, _types in ROUTES["chalicelib.handlers.customers"][:1]]
        for routes in ROUTES.values():
            for method, resource, _types in routes:
                answer = app.app(api_event(method, resource), Context())
                answers.append([method, resource, answer["statusCode"], answer["body"]])
        stand_ins = [path for path, methods in app.app.routes.items() for entry in methods.values()
                     if entry.view_function.__module__ == "chalicelib.handlers.lazy_routes"]
        report(at_import=at_import, after_first=after_first, answers=answers, stand_ins=stand_ins)
elif mode == "snapshot":  # SnapStart's init in the API's function: import app, then the hooks
    import os
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "probe"
    from moto import mock_aws
    with mock_aws():
        from chalicelib import bootstrap
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        import app
        from chalicelib.core.snapshots import run_before_snapshot_hooks
        run_before_snapshot_hooks()
        stand_ins = [path for path, methods in app.app.routes.items() for entry in methods.values()
                     if entry.view_function.__module__ == "chalicelib.handlers.lazy_routes"]
        report(stand_ins=stand_ins, routes=sum(len(methods) for methods in app.app.routes.values()))
elif mode == "module":
    import importlib
    importlib.import_module(sys.argv[2])
    report()
elif mode == "import":
    handler = handler_of(sys.argv[2])
    loaded = sorted(sys.modules)
    from chalicelib.handlers.middleware import lambda_middleware
    attached = list(handler.middleware_handlers) == list(lambda_middleware())
    report(at_import=loaded, has_lambda_middleware=attached)
else:  # "invoke": a schedule's first run, as EventBridge and Lambda make it
    handler = handler_of(sys.argv[2])
    from moto import mock_aws
    with mock_aws():
        from chalicelib import bootstrap
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        from devtools.events import LambdaContext
        loaded = sorted(sys.modules)
        event = {"version": "0", "id": "probe", "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": "000000000000", "time": "2026-03-02T09:00:00Z", "region": "us-east-1",
                 "resources": [], "detail": {}}
        arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
        context = LambdaContext("probe", "probe-request", arn)
        handler(event, context)
        report(before_invocation=loaded)
"""


def _probe(*args: str) -> dict[str, Any]:
    environment = os.environ | {"POWERTOOLS_TRACE_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _declaration(module: str, feature: str) -> bool:
    return module == f"chalicelib.{feature}" or module.rsplit(".", 1)[-1] in DECLARATIONS


def _under(modules: list[str] | set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_importing_the_app_loads_only_the_declarations_of_each_feature() -> None:
    loaded = _probe("app")
    modules = set(loaded["modules"])
    assert not _under(modules, "argon2"), "argon2 loads with the first password hashed"
    assert not loaded["dummy_hash_computed"], "the dummy hash is computed on the first sign-in"
    assert not _under(modules, "aws_xray_sdk"), "tracing is off: the X-Ray SDK has no business here"
    assert not _under(modules, "jinja2"), "the mail templates load with the first mail"
    assert not _under(modules, "chalicelib.models"), "the table's records load with the first query"
    assert not _under(modules, "boto3"), "PynamoDB needs botocore only; boto3 loads with the first S3 store"
    idempotency = _under(modules, "aws_lambda_powertools.utilities.idempotency")
    assert idempotency == [], "Powertools' idempotency loads with the first Idempotency-Key"
    beyond = [
        module
        for feature in FEATURES
        for module in _under(modules, f"chalicelib.{feature}")
        if not _declaration(module, feature)
    ]
    assert beyond == [], "feature code loaded by `import app` (every function pays for it)"


def test_in_lambda_the_api_imports_a_route_module_with_its_first_request() -> None:
    loaded = _probe("answers", "lambda")
    at_import = set(loaded["at_import"])
    handlers = _under(at_import, "chalicelib.handlers")
    assert set(handlers) <= {
        "chalicelib.handlers",
        "chalicelib.handlers.lazy_routes",
        "chalicelib.handlers.route_table",
        "chalicelib.handlers.middleware",
    }, "the API's Lambda function imports route modules before any request"
    assert [m for m in _under(at_import, "chalicelib") if m.endswith("schemas")] == []
    first = set(loaded["after_first"]) - at_import
    routes = [m for m in _under(first, "chalicelib.handlers") if m not in ("chalicelib.handlers.http",)]
    assert routes == ["chalicelib.handlers.customers", "chalicelib.handlers.idempotency"], routes
    assert _under(first, "chalicelib.handlers.cart_routes") == []
    # Serving every route loaded every module: no stand-in is left.
    assert loaded["stand_ins"] == []


def test_in_lambda_every_route_answers_as_the_fully_registered_app_does() -> None:
    # The stand-ins carry each route's method, path and content types: a caller sees no change.
    lazy, full = _probe("answers", "lambda"), _probe("answers", "local")
    assert [answer[:2] for answer in lazy["answers"]] == [answer[:2] for answer in full["answers"]]
    assert lazy["answers"] == full["answers"]


def test_under_snapstart_the_api_loads_every_route_module_before_the_snapshot() -> None:
    # A restored copy then serves any first request without importing its module.
    loaded = _probe("snapshot")
    assert loaded["stand_ins"] == []
    assert loaded["routes"] == sum(len(routes) for routes in ROUTES.values())
    assert _under(set(loaded["modules"]), "chalicelib.handlers.customers")


def test_importing_the_shop_s_service_builds_no_model() -> None:
    # Every function that reads the configuration imports it; its seeded defaults are built when
    # seeded. A model built at import would load email_validator (ContactRequest's e-mail field).
    loaded = _probe("module", "chalicelib.shop.service")
    assert _under(set(loaded["modules"]), "email_validator") == []


# Each event function's Handler, as `chalice package` writes it into the template.
HANDLERS = {source.name: source.handler_string for source in app.app.event_sources}


def test_no_event_function_is_served_from_app_py() -> None:
    # The budget below holds only while Lambda imports the handler's own module: app.py would load
    # every route and its models (`app.<name>` is what Chalice writes for an app's own handlers).
    assert HANDLERS and all(h.startswith("chalicelib.handlers.") for h in HANDLERS.values()), HANDLERS


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_an_event_function_imports_no_route_and_no_schema(function: str) -> None:
    loaded = _probe("import", HANDLERS[function])
    modules = set(loaded["at_import"])
    assert "app" not in modules
    routes = [m for m in _under(modules, "chalicelib.handlers") if m.endswith("_routes")]
    assert routes == [], "an event handler's module imports route modules (and all their models)"
    assert _under(modules, "chalicelib.handlers.http") == [], "the HTTP plumbing is the API's"
    assert _under(modules, "aws_lambda_powertools.utilities.idempotency") == [], "idempotency is HTTP's"
    schemas = [m for m in _under(modules, "chalicelib") if m.rsplit(".", 1)[-1].endswith("schemas")]
    assert schemas == [], "request/response models at an event function's import"
    for package in ("argon2", "aws_xray_sdk", "jinja2", "chalicelib.models", "pynamodb"):
        assert _under(modules, package) == [], f"{package} loads with the first event, if at all"
    # Lambda never imports app.py here, so app.py's middleware never reaches the handler
    # (aws/chalice#1566): the module attaches the same Powertools middleware itself.
    assert loaded["has_lambda_middleware"], "log context and metric flushing missing in Lambda"


# Per schedule: the features its first invocation must not load (beyond their declarations).
NOT_LOADED_BY = {
    "abandoned-cart-sweep": ("support", "imports", "staff"),
    "password-reset-outbox": ("support", "imports", "carts", "staff"),
    "import-watchdog": ("support", "carts", "staff", "mail"),
    "mail-poll": ("imports", "carts"),
    "retention-cleanup": (),
}


@pytest.mark.parametrize("schedule", sorted(NOT_LOADED_BY))
def test_a_schedule_loads_only_the_features_it_uses(schedule: str) -> None:
    loaded = _probe("invoke", HANDLERS[schedule])
    added = set(loaded["modules"]) - set(loaded["before_invocation"])
    assert not _under(added, "argon2") and not loaded["dummy_hash_computed"], "no schedule hashes a password"
    assert not _under(added, "aws_xray_sdk")
    for feature in NOT_LOADED_BY[schedule]:
        code = [m for m in _under(added, f"chalicelib.{feature}") if not _declaration(m, feature)]
        assert code == [], f"{schedule} loaded {feature}"
