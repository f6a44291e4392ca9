"""`make bench` (request overhead, issue 19 goal 5): the in-process time of one call to each hot route
through the real Chalice app, against a bare Chalice route answering the same JSON, in the same run.

Every call is one `app(event, context)` — the function Lambda invokes — with an API Gateway event
built by Chalice's own local gateway (chalice.local), a fresh Lambda context, the real middleware
(Powertools logger, tracer, metrics) and the real composition root over the in-memory repositories
of tests/fake_world.py (no table, no network: what is left is the edge, the services and the fakes).
The bare app is a Chalice app with one route at the same path that returns the JSON document the real
route answered, with no middleware: what Chalice itself costs.

Three variants are timed call by call in rotation, so that the machine's drift hits them alike:
  before — the edge as main had it before this bench's first changes, rebuilt in-process:
           Chalice's ConvertToMiddleware (each Powertools decorator re-applied per invocation),
           the bearer token's signature verified and the shop settings validated on every call.
           Only those are rebuilt: later changes to the services, the responses and the middleware
           (e.g. the cart line's single copy, responses written by pydantic-core, the lean log
           formatter, remembered cart tokens, the metrics flushed only when recorded, cart answers
           read with read_from) are in both columns;
  after  — the app as it is;
  bare   — the bare route.
Medians of BENCH_OVERHEAD_CALLS calls (default 1,000) after BENCH_OVERHEAD_WARMUP (default 100).
Tracing is off here, as in the local stack (no X-Ray daemon in-process); logs go, at the deployed
level (INFO), to a counter: `log bytes` is what each call would send to CloudWatch Logs.

What the clock counts, and what it does not:
  - a column's time is `app(event, context)` alone: the event (and, for checkout, the new cart it
    needs) is made before the clock starts, the bare route's copy of the event too;
  - `fakes us` is the time inside the in-memory repositories (the public methods of the classes in
    tests/fakes, a fake calling another counted once), median of a pass of its own with those
    methods wrapped; it includes what a fake does besides storing (versioned copies, the e-mail
    index, the transaction's condition checks), which the DynamoDB repositories do in another form;
  - `x bare w/o fakes` = (median after - median fakes) / median bare: the edge (Chalice, the
    middleware, parsing and validating, the response) and the services' own work. The fixed clock
    and sequential ids of tests/fake_world.py stand for the real ones and are counted there;
  - counted nowhere: the DynamoDB repositories' own CPU (PynamoDB records, botocore's request
    writing and response parsing) and the round trips. A deployed call costs that on top; this
    bench is about the in-process share the code controls, not a call's latency.
"""

from __future__ import annotations

import copy
import functools
import inspect
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

os.environ.setdefault("CLIENTELE_STAGE", "test")
os.environ.setdefault("CLIENTELE_TABLE_NAME", "clientele-bench")
os.environ.setdefault("CLIENTELE_TOKEN_SECRET", "bench-" + "b" * 40)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "clientele")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Clientele")
# The deployed level (.chalice/config.json), so that the log volume is the deployed one.
os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[_name] = "bench"
os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = "us-east-1"
os.environ.pop("AWS_ENDPOINT_URL", None)

from chalice.app import Chalice, ConvertToMiddleware  # noqa: E402
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher  # noqa: E402

CALLS = int(os.environ.get("BENCH_OVERHEAD_CALLS", "1000"))
WARMUP = int(os.environ.get("BENCH_OVERHEAD_WARMUP", "100"))
TARGET_RATIO = 3.0
# The list page is one page of 50 out of this many: the fake sorts them all, as DynamoDB never does,
# so the shop is kept just over a page to keep the fake's own work from hiding the edge's.
CUSTOMERS = 60
API_MEMORY_MB = 1024  # .chalice/config.json, api_handler
PASSWORD = "correct horse battery staple"  # noqa: S105 - the bench's throwaway accounts

Event = dict[str, Any]


@dataclass(frozen=True)
class HotRoute:
    name: str
    method: str
    resource: str  # the route as declared, e.g. /admin/customers/{customer_id}
    event: Callable[[int], Event]  # the n-th call's event (checkout needs a new cart each time)
    status: int = 200


@dataclass(frozen=True)
class Timing:
    route: str
    before_us: float
    after_us: float
    bare_us: float
    fakes_us: float  # of after_us: inside the in-memory repositories
    log_bytes: float  # per call, "after"
    response_bytes: int

    @property
    def ratio_before(self) -> float:
        return self.before_us / self.bare_us

    @property
    def ratio_after(self) -> float:
        return self.after_us / self.bare_us

    @property
    def ratio_edge(self) -> float:
        """After, without the fakes' time: the edge and the services against bare Chalice."""
        return (self.after_us - self.fakes_us) / self.bare_us


class FakeStopwatch:
    """Time spent inside the in-memory repositories, their stand-in for DynamoDB's round trips.

    The fakes answer a search or a sorted page by walking every customer, which DynamoDB never does
    in the function: that time is reported apart, so the edge's own share can be read. Installed
    only for a pass of its own (the wrappers cost a little), never around the compared timings."""

    def __init__(self) -> None:
        self.ns = 0
        self._depth = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        import tests.fakes.addresses
        import tests.fakes.carts
        import tests.fakes.customers
        import tests.fakes.files
        import tests.fakes.mail
        import tests.fakes.privacy
        import tests.fakes.shop
        import tests.fakes.staff
        import tests.fakes.storefront_keys
        import tests.fakes.support
        import tests.fakes.throttle

        modules = (
            tests.fakes.addresses,
            tests.fakes.carts,
            tests.fakes.customers,
            tests.fakes.files,
            tests.fakes.mail,
            tests.fakes.privacy,
            tests.fakes.shop,
            tests.fakes.staff,
            tests.fakes.storefront_keys,
            tests.fakes.support,
            tests.fakes.throttle,
        )
        replaced: list[tuple[type, str, Callable[..., Any]]] = []
        for module in modules:
            for fake in vars(module).values():
                if not (isinstance(fake, type) and fake.__module__ == module.__name__):
                    continue
                for name, method in list(vars(fake).items()):
                    if inspect.isfunction(method) and not name.startswith("_"):
                        replaced.append((fake, name, method))
                        setattr(fake, name, self._timed(method))
        try:
            yield
        finally:
            for fake, name, method in replaced:
                setattr(fake, name, method)

    def _timed(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:  # a fake calling another: counted once, by the outer call
                return method(*args, **kwargs)
            self._depth += 1
            started = time.perf_counter_ns()
            try:
                return method(*args, **kwargs)
            finally:
                self.ns += time.perf_counter_ns() - started
                self._depth -= 1

        return timed


class _CountingSink(io.TextIOBase):
    """Where the app's log lines go during the bench: only their size is kept."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


def _context() -> LambdaContext:
    context = LambdaContext(function_name="clientele-bench-APIHandler", memory_size=API_MEMORY_MB)
    context.aws_request_id = str(uuid.uuid4())
    return context


@contextmanager
def _before_this_change(app: Chalice, services: Any) -> Iterator[None]:
    """The app as main had it before: Chalice's ConvertToMiddleware around the same decorators,
    the bearer token verified and the shop settings validated on every call (their caches
    emptied, so the call takes the path every call took)."""
    from chalicelib.handlers.middleware import DecoratorMiddleware

    current = list(app.middleware_handlers)
    rebuilt = []
    for middleware, event_type in current:
        if not isinstance(middleware, DecoratorMiddleware):
            raise TypeError(f"{middleware!r}: not a DecoratorMiddleware, no decorator to rebuild")
        rebuilt.append((ConvertToMiddleware(middleware.decorator), event_type))
    app.middleware_handlers[:] = rebuilt
    services.auth.signer._verified.cache_clear()
    services.accounts.signer._verified.cache_clear()
    services.config._validated = None
    try:
        yield
    finally:
        app.middleware_handlers[:] = current


def _hot_routes(app: Chalice, services: Any) -> list[HotRoute]:
    """Seeds the in-memory shop and returns the routes with their events."""
    from chalicelib.carts.schemas import CartLineRequest, CreateCartRequest
    from chalicelib.carts.service import Shopper
    from chalicelib.customers.account_schemas import RegisterRequest
    from chalicelib.customers.schemas import CreateCustomerRequest
    from chalicelib.staff.schemas import CreateEmployeeRequest
    from chalicelib.support.schemas import ContactFormRequest
    from devtools.bench import FIRST, LAST

    for number in range(CUSTOMERS):
        services.customers.create(
            CreateCustomerRequest(
                first_name=FIRST[number % len(FIRST)],
                last_name=LAST[number % len(LAST)],
                email=f"customer{number}@example.com",
            )
        )
    services.employees.create(
        CreateEmployeeRequest(
            email="owner@example.com", first_name="Olga", last_name="Owner", role="admin", password=PASSWORD
        )
    )
    staff_token = services.auth.login("owner@example.com", PASSWORD, "192.0.2.1").token
    session = services.accounts.register(
        RegisterRequest(first_name="Marta", last_name="García", email="marta@example.com", password=PASSWORD)
    )
    customer, customer_token = session.customer, session.token
    _, storefront_key = services.storefront_keys.create("Bench shop")
    line = CartLineRequest(quantity=2, unit_price=Decimal("12.50"), product_name="Mug")

    def guest_cart() -> tuple[str, str]:
        created = services.carts.create(CreateCartRequest(email="guest@example.com"), Shopper())
        shopper = Shopper(cart_token=created.cart_token)
        services.carts.set_line(created.cart.id, "sku-1", line, shopper)
        return created.cart.id, str(created.cart_token)

    line_cart, line_token = guest_cart()

    def checkout_event() -> Event:
        # A new cart per checkout, made before the call is timed.
        cart_id, cart_token = guest_cart()
        headers = shop_server | {"x-cart-token": cart_token}
        return event("POST", f"/store/carts/{cart_id}/checkout", headers, guest_checkout)

    contact = ContactFormRequest(contact_id="customer-service", email=customer.email, message="Where is it?")
    opened = services.contact_form.submit(contact, customer.id, "192.0.2.7")

    converter = LambdaEventConverter(RouteMatcher(list(app.routes)))

    def event(method: str, path: str, headers: dict[str, str], body: Any = None) -> Event:
        raw = None if body is None else json.dumps(body).encode()
        all_headers = {"content-type": "application/json"} | headers
        return converter.create_lambda_event(method=method, path=path, headers=all_headers, body=raw)

    staff = {"authorization": f"Bearer {staff_token}"}
    shop_server = {"x-storefront-key": storefront_key}
    guest_checkout = {
        "payment_method": "card",
        "first_name": "Gus",
        "last_name": "Guest",
        "email": "guest@example.com",
    }
    return [
        HotRoute(
            "customer get (GET /store/me)",
            "GET",
            "/store/me",
            lambda n: event("GET", "/store/me", {"authorization": f"Bearer {customer_token}"}),
        ),
        HotRoute(
            "customer view",
            "GET",
            "/admin/customers/{customer_id}",
            lambda n: event("GET", f"/admin/customers/{customer.id}", staff),
        ),
        HotRoute(
            "list page (50)",
            "GET",
            "/admin/customers",
            lambda n: event("GET", "/admin/customers", staff),
        ),
        HotRoute(
            "search by=name q=mar",
            "GET",
            "/admin/search",
            lambda n: event("GET", "/admin/search?q=mar&by=name", staff),
        ),
        HotRoute(
            "cart line update",
            "PUT",
            "/store/carts/{cart_id}/lines/{product_id}",
            lambda n: event(
                "PUT",
                f"/store/carts/{line_cart}/lines/sku-2",
                shop_server | {"x-cart-token": line_token},
                {"quantity": 1 + n % 3, "unit_price": "4.90", "product_name": "Tea"},
            ),
        ),
        HotRoute(
            "checkout (guest)",
            "POST",
            "/store/carts/{cart_id}/checkout",
            lambda n: checkout_event(),
            status=201,
        ),
        HotRoute(
            "thread view",
            "GET",
            "/admin/threads/{thread_id}",
            lambda n: event("GET", f"/admin/threads/{opened.thread_id}", staff),
        ),
    ]


def _timed(handler: Chalice, event: Event) -> tuple[int, dict[str, Any]]:
    context = _context()
    started = time.perf_counter_ns()
    response: dict[str, Any] = handler(event, context)
    return time.perf_counter_ns() - started, response


def measure(calls: int = CALLS, warmup: int = WARMUP) -> list[Timing]:
    """Times each hot route's before, after and bare calls, each route in a shop of its own.

    The fakes find a customer's carts, orders and threads by walking them all (DynamoDB reads one
    partition): a fresh shop per route keeps the carts the checkouts leave behind out of the others'
    time."""
    from app import app
    from chalicelib.core.observability import logger
    from chalicelib.wiring import use_container
    from tests.fake_world import fake_world

    sink = _CountingSink()
    logger.registered_handler.setStream(sink)  # type: ignore[attr-defined]
    timings: list[Timing] = []
    try:
        for index in count():
            with tempfile.TemporaryDirectory() as folder:
                services = fake_world(Path(folder)).services
                use_container(services)
                routes = _hot_routes(app, services)
                timings.append(_measure_route(app, routes[index], services, sink, calls, warmup))
            if len(timings) == len(routes):
                break
    finally:
        logger.registered_handler.setStream(sys.stdout)  # type: ignore[attr-defined]
        use_container(None)
    return timings


def _measure_route(
    app: Chalice, route: HotRoute, services: Any, sink: _CountingSink, calls: int, warmup: int
) -> Timing:
    probe = _timed(app, route.event(2 * (warmup + calls)))[1]
    if probe["statusCode"] != route.status:
        raise SystemExit(f"{route.name}: {probe['statusCode']} {probe['body'][:300]}")
    document = json.loads(probe["body"])
    bare = Chalice(app_name="bare")
    bare.route(route.resource, methods=[route.method])(lambda **_: document)
    before: list[int] = []
    after: list[int] = []
    plain: list[int] = []
    log_bytes = 0
    for number in range(warmup + calls):
        events = route.event(2 * number), route.event(2 * number + 1)
        with _before_this_change(app, services):
            elapsed, response = _timed(app, events[0])
        if response["statusCode"] != route.status:
            raise SystemExit(f"{route.name} (before): {response['statusCode']} {response['body'][:300]}")
        logged = sink.bytes
        elapsed_after, response = _timed(app, events[1])
        if response["statusCode"] != route.status:
            raise SystemExit(f"{route.name}: {response['statusCode']} {response['body'][:300]}")
        elapsed_bare, _ = _timed(bare, copy.deepcopy(events[1]))
        if number >= warmup:
            before.append(elapsed)
            after.append(elapsed_after)
            plain.append(elapsed_bare)
            log_bytes += sink.bytes - logged
    stopwatch = FakeStopwatch()
    in_fakes: list[int] = []
    with stopwatch.installed():
        for number in range(calls):
            event, stopwatch.ns = route.event(2 * (warmup + calls) + 1 + number), 0
            _timed(app, event)
            in_fakes.append(stopwatch.ns)
    return Timing(
        route.name,
        statistics.median(before) / 1000,
        statistics.median(after) / 1000,
        statistics.median(plain) / 1000,
        statistics.median(in_fakes) / 1000,
        log_bytes / calls,
        len(probe["body"]),
    )


def main() -> int:
    print(f"timing {CALLS:,} calls per route and variant (+{WARMUP} warm-up) ...", file=sys.stderr)
    timings = measure()
    print("\nRequest overhead: in-process time per call, real app over the in-memory repositories")
    print(f"against a bare Chalice route answering the same JSON (medians; target <= {TARGET_RATIO:.0f}x)\n")
    header = (
        f"{'route':<30} {'bare us':>7} {'app us before -> after':>23} {'x bare before -> after':>23} "
        f"{'fakes us':>8} {'x bare w/o fakes':>16} {'target':>6} {'log B':>5} {'body B':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in timings:
        verdict = "ok" if row.ratio_edge <= TARGET_RATIO else "over"
        print(
            f"{row.route:<30} {row.bare_us:>7.0f} {row.before_us:>10.0f} -> {row.after_us:>9.0f} "
            f"{row.ratio_before:>10.2f} -> {row.ratio_after:>9.2f} {row.fakes_us:>8.0f} "
            f"{row.ratio_edge:>16.2f} {verdict:>6} {row.log_bytes:>5.0f} {row.response_bytes:>6}"
        )
    print(
        "\nbefore: ConvertToMiddleware, the token verified and the settings validated on every call,"
        "\n  rebuilt in the same process."
        "\nfakes us: the median time inside the in-memory repositories (timed in a pass of its own),"
        "\n  which stand in for DynamoDB's round trips and walk every item where DynamoDB reads one"
        "\n  partition; x bare w/o fakes = (after - fakes) / bare is the edge and services' own share."
        "\nlog B: bytes the call logs at INFO (CloudWatch Logs volume, without Lambda's own lines)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
