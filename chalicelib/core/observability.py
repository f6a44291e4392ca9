"""Logger, tracer and metrics shared by every layer (Powertools).

Logs are structured and never carry PII: log ids and counts, not e-mails, names or tokens.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache, wraps

from aws_lambda_powertools import Logger, Metrics, Tracer

from chalicelib.core.log_format import LogFormatter

# An invocation that records no metric is normal here (reads, most events); Powertools warns on
# every such flush, which would bury real log lines.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

# The same JSON line as Powertools' formatter, written with less work (see core/log_format.py).
logger = Logger(service="clientele", logger_formatter=LogFormatter())
metrics = Metrics(namespace="Clientele", service="clientele")


def tracing_enabled() -> bool:
    """Whether this process traces to X-Ray, by Powertools' own rule: off when
    POWERTOOLS_TRACE_DISABLED says so, outside Lambda, and under SAM or `chalice local`.

    Asked before any Tracer exists because constructing one imports the X-Ray SDK (~100 ms of
    every cold start, issue 19) even when it then disables itself."""
    return not Tracer._is_tracer_disabled()


def publish_metrics[**P, R](handler: Callable[P, R]) -> Callable[P, R]:
    """`metrics.log_metrics` for a handler that records metrics only now and then: the metrics an
    invocation recorded are flushed (one EMF line) when it ends, as log_metrics does. log_metrics
    also calls flush_metrics after an invocation that recorded none, where all it does is warn
    (filtered above): on the API's hot routes, which record none, that was a sixth of the edge's
    middleware time (devtools/bench_overhead.py)."""

    @wraps(handler)
    def published(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        finally:
            if metrics.metric_set:
                metrics.flush_metrics()

    return published


@cache
def tracer() -> Tracer:
    """The one Tracer, built on first use: only where `tracing_enabled()`."""
    return Tracer(service="clientele")
