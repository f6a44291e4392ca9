"""handlers/middleware.py: Lambda-handler decorators applied once, seeing every invocation."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from chalice.app import Chalice
from chalice.test import Client

from chalicelib.core.observability import metrics, publish_metrics
from chalicelib.handlers.middleware import DecoratorMiddleware

Handler = Callable[[Any, Any], Any]


def test_the_decorator_is_applied_once_and_sees_each_invocation() -> None:
    applied: list[str] = []
    seen: list[tuple[str, str]] = []

    def decorator(handler: Handler) -> Handler:
        applied.append(handler.__name__)

        def around(event: Any, context: Any) -> Any:
            seen.append((event["requestContext"]["path"], context.function_name))
            response = handler(event, context)
            response.headers["x-seen"] = "yes"
            return response

        return around

    app = Chalice(app_name="middleware-test")
    app.register_middleware(DecoratorMiddleware(decorator))

    @app.route("/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    with Client(app) as client:
        answers = [client.http.get(f"/items/{n}") for n in ("a", "b", "c")]

    assert applied == ["wrapped"]  # once, under ConvertToMiddleware's name (the tracer's subsegment)
    assert [json.loads(a.body) for a in answers] == [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert all(a.headers["x-seen"] == "yes" for a in answers)
    assert [path for path, _ in seen] == ["/items/a", "/items/b", "/items/c"]


def test_powertools_logger_gets_each_invocations_context() -> None:
    stream = io.StringIO()
    # Chalice sets its app's logger (named after the app) to ERROR: the service must be another name.
    logger = Logger(service="middleware-log", logger_handler=logging.StreamHandler(stream))
    app = Chalice(app_name="middleware-log-test")
    app.register_middleware(DecoratorMiddleware(logger.inject_lambda_context(clear_state=True)))

    @app.route("/ping/{first}")
    def ping(first: str) -> dict[str, bool]:
        if first == "yes":
            logger.append_keys(request_only="set by the first call")
        logger.warning("pinged")  # the tests run at WARNING (tests/conftest.py)
        return {"ok": True}

    with Client(app) as client:
        client.http.get("/ping/yes")
        client.http.get("/ping/no")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["function_request_id"] != second["function_request_id"]
    assert first["function_memory_size"] == second["function_memory_size"]
    # clear_state still applies per invocation: the second call starts without the first's keys.
    assert first["request_only"] == "set by the first call"
    assert "request_only" not in second


def test_metrics_are_published_by_the_invocation_recording_them(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.clear_metrics()  # what other tests' services recorded outside any invocation
    app = Chalice(app_name="middleware-metrics-test")
    app.register_middleware(DecoratorMiddleware(publish_metrics))

    @app.route("/count/{rows}")
    def count(rows: str) -> dict[str, bool]:
        if rows != "0":
            metrics.add_metric(name="ImportRows", unit="Count", value=int(rows))
        return {"ok": True}

    with Client(app) as client:
        client.http.get("/count/0")
        quiet = capsys.readouterr().out
        client.http.get("/count/3")
        published = capsys.readouterr().out
        client.http.get("/count/0")
        after = capsys.readouterr().out

    assert quiet == "" and after == ""  # nothing recorded, nothing flushed (and no leftovers)
    [line] = published.splitlines()
    emf = json.loads(line)
    assert emf["ImportRows"] == [3.0]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Clientele"
    assert not metrics.metric_set
