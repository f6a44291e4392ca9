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
from typing import Any

from chalice.app import Request

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
