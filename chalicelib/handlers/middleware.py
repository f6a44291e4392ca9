"""Lambda-handler decorators (Powertools' logger, tracer and metrics) as Chalice middleware.

Chalice's own `ConvertToMiddleware` applies the decorator again on every invocation, because the
function it wraps closes over that invocation's `get_response`: each call pays the decorator's
set-up (`functools.wraps`, environment look-ups, the logger's parameter partial) on top of what it
does per call — about a fifth of the edge's time on a cached read (`make bench`,
devtools/bench_overhead.py). Here the decorator is applied once, at registration, to a function that
finds the current invocation's `get_response` in a context variable; what runs around each call is
the decorator's own per-call code, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any

from chalice.app import EventSourceHandler, Request

from chalicelib.core.observability import logger, publish_metrics, tracer, tracing_enabled

LambdaHandler = Callable[[Any, Any], Any]


class DecoratorMiddleware:
    """`ConvertToMiddleware(decorator)` with `decorator` applied once instead of per invocation.

    The pending invocation is kept in a context variable, not on the instance: the local stack
    serves requests from several threads through the same app."""

    def __init__(self, decorator: Callable[[LambdaHandler], LambdaHandler]) -> None:
        pending: ContextVar[tuple[Any, Callable[[Any], Any]]] = ContextVar("pending_invocation")

        # Named as ConvertToMiddleware's inner function: the tracer names its subsegment after the
        # handler ("## wrapped"), so traces look as they did.
        def wrapped(original_event: Any, context: Any) -> Any:
            event, get_response = pending.get()
            return get_response(event)

        self.decorator = decorator  # as given, e.g. for a benchmark to rebuild ConvertToMiddleware
        self._pending = pending
        self._decorated = decorator(wrapped)

    def __call__(self, event: Any, get_response: Callable[[Any], Any]) -> Any:
        # As ConvertToMiddleware: the decorator sees Lambda's own (event, context) pair.
        if isinstance(event, Request):
            original_event, context = event.to_original_event(), event.lambda_context
        else:
            original_event, context = event.to_dict(), event.context
        token = self._pending.set((event, get_response))
        try:
            return self._decorated(original_event, context)
        finally:
            self._pending.reset(token)


def tracing_middleware() -> DecoratorMiddleware:
    """X-Ray tracing of every handler. The tracer's defaults copy each handler's response and
    exception text into X-Ray metadata: responses carry session, cart and reset tokens and personal
    data, exception text can quote the caller's input. Traces keep timings and annotations only
    (issue 16 §4)."""
    return DecoratorMiddleware(tracer().capture_lambda_handler(capture_response=False, capture_error=False))


@cache
def lambda_middleware() -> tuple[DecoratorMiddleware, ...]:
    """Powertools around every Lambda handler: structured logs with the Lambda context, traces where
    tracing is on (elsewhere the X-Ray SDK is not even imported: a cold start pays ~100 ms for it),
    metrics flushed at the end of each invocation that recorded any (publish_metrics). Built once:
    app.py registers these for the API, and each event handler module attaches the same ones to its
    handlers (with_lambda_middleware)."""
    return (
        DecoratorMiddleware(logger.inject_lambda_context(clear_state=True)),
        *((tracing_middleware(),) if tracing_enabled() else ()),
        DecoratorMiddleware(publish_metrics),
    )


def with_lambda_middleware(*handlers: EventSourceHandler) -> None:
    """Gives event handlers the app's middleware without app.py.

    Lambda runs a blueprint's event handler by its module path (the template's Handler is
    `chalicelib.handlers.<module>.<function>`, not `app.<function>`), so app.py is never imported
    there and the middleware it registers never reaches the handler (aws/chalice#1566): no log
    context, and no metric ever flushed. Each handler gets `lambda_middleware()` here, at its
    module's import; where app.py does register the blueprint (tests, the local stack, `chalice
    package`), Chalice replaces the list with the app's, which holds the same middleware."""
    for handler in handlers:
        handler.middleware_handlers = list(lambda_middleware())
