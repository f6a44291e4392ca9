"""The JSON log line, written with less work per line than Powertools' own formatter.

`LambdaPowertoolsFormatter.format` copies the whole LogRecord into a dict to %-format three
templates, scans a 24-name tuple for every record attribute, and tries `json.loads` on every
message (a message that is a JSON document is logged as that document): that failed parse raises
and catches a JSONDecodeError per line. A checkout's one `logger.info("checkout")` spent more in the
formatter than in its service's own work (`make bench`, devtools/bench_overhead.py).

`LogFormatter.format` writes the same line, key for key and in the same order, for what this app
logs — a plain-text message, no %-arguments, no exception — and hands anything else to Powertools'
own `format`. tests/unit/test_log_format.py compares the two line by line.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aws_lambda_powertools.logging.formatter import (
    RESERVED_LOG_ATTRS,
    LambdaPowertoolsFormatter,
    _get_context,
)

_RESERVED = frozenset(RESERVED_LOG_ATTRS)
# How a document json.loads accepts can start (leading whitespace, an object, array, string or
# number), and the literals it takes whole: a message that is neither is not JSON, and Powertools
# logs it as the text it is. Anything that might be JSON takes Powertools' own path.
_JSON_STARTS = frozenset('{["-0123456789 \t\n\r')
_JSON_LITERALS = frozenset({"true", "false", "null", "NaN", "Infinity"})
# Powertools' default templates of its three standard keys (LambdaPowertoolsFormatter).
_LEVEL, _LOCATION, _TIMESTAMP = "%(levelname)s", "%(funcName)s:%(lineno)d", "%(asctime)s"


class LogFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with a cheaper path for a plain-text log line."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if "json_serializer" not in options:
            # The encoder json.dumps would build on every call with these options, built once.
            self.json_serializer = json.JSONEncoder(
                default=self.json_default,
                separators=(",", ":"),
                indent=self.json_indent,
                ensure_ascii=False,
            ).encode

    def format(self, record: logging.LogRecord) -> str:
        message = record.msg
        if (
            record.exc_info is not None
            or record.args
            or not isinstance(message, str)
            or message[:1] in _JSON_STARTS
            or message.rstrip() in _JSON_LITERALS
        ):
            return super().format(record)
        line: dict[str, Any] = {}
        for keys in (self.log_format, _get_context().get()):
            for key, value in keys.items():
                line[key] = self._reserved(value, record) if value and key in _RESERVED else value
        for key, value in record.__dict__.items():
            if key not in _RESERVED:
                line[key] = value
        line["message"] = message
        # What Powertools adds for an exception: nothing here, but a key an extra already set
        # keeps its value, and the keys take the same places in the line.
        line["exception"] = line.get("exception")
        line["exception_name"] = line.get("exception_name")
        line["exception_notes"] = line.get("exception_notes")
        if self.serialize_stacktrace:
            line["stack_trace"] = None
        line["xray_trace_id"] = self._get_latest_trace_id()
        return self.serialize(log={key: value for key, value in line.items() if value is not None})

    def _reserved(self, template: Any, record: logging.LogRecord) -> str:
        """A standard key's template filled from the record, as `template % record.__dict__`."""
        if template == _LEVEL:
            return record.levelname
        if template == _LOCATION:
            return f"{record.funcName}:{record.lineno}"
        if template == _TIMESTAMP:
            return self.formatTime(record)
        if not isinstance(template, str):
            raise ValueError(  # Powertools' own error for it
                "Logging keys that override reserved log attributes need to be type 'str', "
                f"instead got '{type(template).__name__}'",
            )
        return template % (record.__dict__ | {"asctime": self.formatTime(record)})
