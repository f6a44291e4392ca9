"""core/log_format.py: the app's log lines are Powertools' own, character for character."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib.core.log_format import LogFormatter
from chalicelib.core.observability import logger as app_logger

Log = Callable[[Logger], None]


def _lines(formatter: LambdaPowertoolsFormatter | None, log: Log, service: str) -> list[str]:
    stream = io.StringIO()
    logger = Logger(
        service=service,
        logger_handler=logging.StreamHandler(stream),
        logger_formatter=formatter,
        level="DEBUG",
    )
    # As each invocation leaves it (inject_lambda_context(clear_state=True)).
    logger.structure_logs(cold_start=False, function_name="api", function_request_id="req-1")
    log(logger)
    return stream.getvalue().splitlines()


def _failing() -> None:
    raise ValueError("boom")


def _with_exception(logger: Logger) -> None:
    try:
        _failing()
    except ValueError:
        logger.exception("failed", order_id="o-1")


CASES: dict[str, Log] = {
    "plain message with fields": lambda log: log.info("checkout", order_id="o-1", guest=False),
    "no fields": lambda log: log.warning("dependency unavailable"),
    "values json writes with str()": lambda log: log.info(
        "priced", total=Decimal("12.50"), at=datetime(2026, 1, 2, tzinfo=UTC), ids={"a", "b"} and ["a"]
    ),
    "None fields are left out": lambda log: log.info("sweep finished", stopped_early=None, count=0),
    "non-ASCII kept as is": lambda log: log.info("import started", file="García.csv"),
    "message that is JSON": lambda log: log.info('{"event": "raw"}'),
    "message that is a JSON literal": lambda log: log.info("true"),
    "message starting like a literal": lambda log: log.info("thread opened", thread_id="t-1"),
    "message with a number": lambda log: log.info("42 rows"),
    "empty message": lambda log: log.info(""),
    "%-arguments": lambda log: log.info("rows %d", 3),
    "dict message": lambda log: log.info({"rows": 3}),
    "exception": _with_exception,
    "appended and removed keys": lambda log: (
        log.append_keys(import_id="i-1"),
        log.info("chunk", rows=10),
        log.remove_keys(["import_id"]),
        log.info("chunk", rows=11),
    ),
    "thread-safe keys": lambda log: (
        log.thread_safe_append_keys(worker="w-1"),
        log.info("chunk"),
        log.thread_safe_clear_keys(),
    ),
    "an extra named like a Powertools key": lambda log: log.info("odd", exception="named", stack_trace="x"),
    "custom template": lambda log: (log.append_keys(pid="%(process)d"), log.info("with a template")),
}


@pytest.mark.parametrize(("case", "log"), CASES.items(), ids=CASES.keys())
def test_each_line_is_the_one_powertools_writes(case: str, log: Log) -> None:
    # A service per logger: Logger instances of one service share a stdlib logger and its handler.
    theirs_service, ours_service = f"powertools {case}", f"lean {case}"
    expected = _lines(None, log, theirs_service)
    written = _lines(LogFormatter(), log, ours_service)

    assert len(written) == len(expected) > 0
    for ours, theirs in zip(written, expected, strict=True):
        # Only the service and the clock differ between the two loggers.
        assert _comparable(ours, ours_service) == _comparable(theirs, theirs_service)


def _comparable(line: str, service: str) -> str:
    document = json.loads(line)
    assert document.pop("service") == service
    assert document.pop("timestamp")
    document.pop("location")  # the lambda's line in this file, the same for both
    return json.dumps(document)  # key order kept: it is part of the line


def test_the_lines_keep_their_order_and_timestamp() -> None:
    [ours] = _lines(LogFormatter(), CASES["plain message with fields"], "log-format-order")
    [theirs] = _lines(None, CASES["plain message with fields"], "log-format-order-powertools")

    assert ours.split('"timestamp":')[0].replace("log-format-order", "S") == theirs.split('"timestamp":')[
        0
    ].replace("log-format-order-powertools", "S")
    assert len(ours.split('"timestamp":"')[1].split('"')[0]) == len("2026-12-02 18:31:49,180+0000")


def test_the_app_logger_writes_through_the_lean_formatter() -> None:
    assert isinstance(app_logger.registered_formatter, LogFormatter)
