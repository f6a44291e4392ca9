"""Local-stack benchmark (part of `make bench`, issue 19 goal 8): does the embedded DynamoDB hold
a real shop?

1. The hot routes (customer view, list page, search, cart line update, checkout, thread view)
   through the app's routes (chalice.test.Client, in process) on moto with both local patches
   (devtools/moto_transactions.py, devtools/moto_keyed_queries.py): timed on an empty stack, then
   again once BENCH_LOCAL_CUSTOMERS customers are in. Target: within 2x. One call of each route on
   moto's own whole-table walk (`moto_keyed_queries.walking()`) shows what the patch is for.
2. The customer import at BENCH_LOCAL_CUSTOMERS rows against ten times the import of a tenth of
   them (fresh tables both). Target: within 1.2x, i.e. an import's time grows with its rows, not
   with the rows already stored.

The customers are seeded by that import itself (CSV → the import pipeline → BatchGetItem and
transactions on moto, in process): the fastest way that still stores them exactly as the app does
(profile, e-mail item, memberships, consents), so the routes read a real shop's items.

Knobs: BENCH_LOCAL_CUSTOMERS (default 10000; the issue's run is 100000, about 15 minutes here),
BENCH_LOCAL_ROUNDS (timed calls per route, median reported; default 15), BENCH_LOCAL_WALK=0
(skip the unpatched column, which costs one whole-table walk per Query).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools import bench_imports  # sets the bench environment before chalicelib is imported

CUSTOMERS = int(os.environ.get("BENCH_LOCAL_CUSTOMERS", "10000"))
ROUNDS = int(os.environ.get("BENCH_LOCAL_ROUNDS", "15"))
WITH_WALK = os.environ.get("BENCH_LOCAL_WALK", "1") != "0"
BASELINE_CUSTOMERS = 100
ROUTE_TARGET = 2.0
IMPORT_TARGET = 1.2
STAFF_PASSWORD = "correct horse battery staple"  # noqa: S105 - a bench-only admin in a throwaway moto
SUPPORT_BOX = "help@shop.example"


@dataclass
class Shop:
    """What the timed routes need: a signed-in admin, the shop server's key, one customer, one
    open cart and one thread (created before any bulk data)."""

    client: Any
    admin_token: str
    storefront_key: str
    customer_id: str
    cart_id: str
    cart_token: str
    thread_id: str
    checkouts: int = 0

    def call(self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None) -> Any:
        import json

        sent = {"Content-Type": "application/json"} | (headers or {})
        response = self.client.http.request(method, path, headers=sent, body=body.encode())
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.body[:300]!r}")
        return json.loads(response.body) if response.body else None

    def admin(self, method: str, path: str, body: str = "") -> Any:
        return self.call(method, path, body, {"Authorization": f"Bearer {self.admin_token}"})

    def store(self, method: str, path: str, body: str = "", cart_token: str | None = None) -> Any:
        headers = {"X-Storefront-Key": self.storefront_key}
        if cart_token:
            headers["X-Cart-Token"] = cart_token
        return self.call(method, path, body, headers)


def open_shop(client: Any) -> Shop:
    import json

    from chalicelib.staff.schemas import CreateEmployeeRequest
    from chalicelib.wiring import container

    container().employees.create(
        CreateEmployeeRequest(
            email="owner@example.com",
            first_name="Sam",
            last_name="Owner",
            role="admin",
            password=STAFF_PASSWORD,
        )
    )
    login = json.dumps({"email": "owner@example.com", "password": STAFF_PASSWORD})
    token = client.http.request(
        "POST", "/admin/login", headers={"Content-Type": "application/json"}, body=login.encode()
    )
    shop = Shop(
        client,
        json.loads(token.body)["token"],
        container().storefront_keys.create("Bench")[1],
        "",
        "",
        "",
        "",
    )
    shop.admin("PATCH", "/admin/contacts/customer-service", json.dumps({"email": SUPPORT_BOX}))
    customer = {"first_name": "Léa", "last_name": "Martinez", "email": "lea.bench@example.com"}
    shop.customer_id = shop.admin("POST", "/admin/customers", json.dumps(customer))["id"]
    shop.cart_id, shop.cart_token = new_cart(shop)
    message = {"contact_id": "customer-service", "email": "ana@example.com", "message": "Where is my parcel?"}
    shop.thread_id = shop.store("POST", "/store/contact", json.dumps(message))["thread_id"]
    return shop


def new_cart(shop: Shop) -> tuple[str, str]:
    cart = shop.store("POST", "/store/carts", "")
    return cart["id"], cart["cart_token"]


def _line(shop: Shop, round_number: int) -> None:
    import json

    line = {"quantity": 1 + round_number % 5, "unit_price": "10.00", "product_name": "Mug"}
    shop.store(
        "PUT", f"/store/carts/{shop.cart_id}/lines/sku-{round_number % 3}", json.dumps(line), shop.cart_token
    )


def prepared_checkout(shop: Shop) -> Callable[[], Any]:
    """A fresh cart with a line (not timed), and the checkout of it as a new guest (timed)."""
    import json

    cart_id, cart_token = new_cart(shop)
    line = {"quantity": 2, "unit_price": "12.50", "product_name": "Teapot"}
    shop.store("PUT", f"/store/carts/{cart_id}/lines/teapot", json.dumps(line), cart_token)
    shop.checkouts += 1
    guest = {
        "payment_method": "card",
        "email": f"guest.{shop.checkouts}@example.com",
        "first_name": "Gus",
        "last_name": "Guest",
    }
    body = json.dumps(guest)
    return lambda: shop.store("POST", f"/store/carts/{cart_id}/checkout", body, cart_token)


def routes(shop: Shop) -> dict[str, Callable[[int], Callable[[], Any]]]:
    """Route name → (round number → the call to time); anything made for the call is made
    before it is returned, so only the route is timed."""
    return {
        "customer view": lambda n: lambda: shop.admin("GET", f"/admin/customers/{shop.customer_id}"),
        "list page (last name)": lambda n: (
            lambda: shop.admin("GET", "/admin/customers?sort=last_name&limit=50")
        ),
        "search 'mar' (10 rows)": lambda n: lambda: shop.admin("GET", "/admin/search?q=mar&by=all&limit=10"),
        "cart line update": lambda n: lambda: _line(shop, n),
        "checkout (new guest)": lambda n: prepared_checkout(shop),
        "thread view": lambda n: lambda: shop.admin("GET", f"/admin/threads/{shop.thread_id}"),
    }


def time_routes(shop: Shop, rounds: int) -> dict[str, float]:
    medians: dict[str, float] = {}
    for name, make in routes(shop).items():
        make(-1)()  # warm: the first call of a route builds its services and models
        samples = []
        for number in range(rounds):
            call = make(number)
            started = time.process_time()
            call()
            samples.append(time.process_time() - started)
        medians[name] = statistics.median(samples)
    return medians


@contextmanager
def local_aws(folder: Path) -> Iterator[Any]:
    """A fresh in-process moto with the app's table and bucket, and the app's container on it."""
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.core.settings import get_settings
    from chalicelib.wiring import build_container, use_container
    from tests.fakes.mail import MemoryMailer

    with mock_aws():
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        services = build_container(
            get_settings(), files=bench_imports.DiskFileStore(folder), mailer=MemoryMailer()
        )
        use_container(services)
        services.config.seed_defaults()
        try:
            yield services
        finally:
            use_container(None)


def seed_page_customers(shop: Shop, count: int) -> None:
    """`count` customers through the admin route, named like the import's (the import's own rows
    would share its generated ids with the big import's)."""
    import json
    import random

    from devtools.bench import FIRST, LAST

    rng = random.Random(count)
    for number in range(count):
        body = {
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "email": f"page.{number}@example.com",
        }
        shop.admin("POST", "/admin/customers", json.dumps(body))


def import_customers(services: Any, folder: Path, rows: int) -> float:
    """Import `rows` generated customers through the import pipeline; its CPU time."""
    job, _ = services.imports.create_job("customers", f"bench-{rows}.csv", None)
    key = f"imports/{job.id}/bench-{rows}.csv"
    bench_imports.write_file(folder / key, rows, rows)
    _, size, etag = services.files.open(key)
    started = time.process_time()
    result = services.imports.handle_upload(key, etag, size, lambda: 10**9)
    elapsed = time.process_time() - started
    if result is None or result.created != rows:
        raise RuntimeError(f"the {rows}-row import created {getattr(result, 'created', None)} customers")
    return elapsed


def main() -> int:
    from chalice.test import Client

    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    tenth = max(CUSTOMERS // 10, 1)
    print(f"Local stack at a real shop's size: {CUSTOMERS:,} customers (BENCH_LOCAL_CUSTOMERS)")

    with tempfile.TemporaryDirectory() as small_folder, local_aws(Path(small_folder)) as services:
        small_import = import_customers(services, Path(small_folder), tenth)

    with tempfile.TemporaryDirectory() as folder, local_aws(Path(folder)) as services:
        from app import app

        with Client(app) as client:
            shop = open_shop(client)
            # Two pages of customers, so the list and search pages are full both times: what the
            # second timing adds is the table's size, not a longer answer.
            seed_page_customers(shop, BASELINE_CUSTOMERS)
            empty = time_routes(shop, ROUNDS)
            counts_before = (moto_keyed_queries.COUNTS.keyed, moto_keyed_queries.COUNTS.walked)
            full_import = import_customers(services, Path(folder), CUSTOMERS)
            full = time_routes(shop, ROUNDS)
            keyed = moto_keyed_queries.COUNTS.keyed - counts_before[0]
            walked_queries = moto_keyed_queries.COUNTS.walked - counts_before[1]
            walked: dict[str, float] = {}
            if WITH_WALK:
                with moto_keyed_queries.walking():
                    walked = time_routes(shop, 1)

    print()
    print(
        f"Hot routes, CPU ms per call (median of {ROUNDS}; moto in process, so its work counts): "
        f"{BASELINE_CUSTOMERS} customers → {CUSTOMERS + BASELINE_CUSTOMERS:,}"
    )
    after = "→ " + format(CUSTOMERS + BASELINE_CUSTOMERS, ",")
    header = f"  {'route':<24} {BASELINE_CUSTOMERS:>9} {after:>12} {'ratio':>7}"
    print(header + (f" {'moto walk':>11}" if walked else "") + f"  target <= {ROUTE_TARGET:.0f}x")
    worst = 0.0
    for name, before in empty.items():
        ratio = full[name] / before
        worst = max(worst, ratio)
        walk = f" {walked[name] * 1000:>11.1f}" if walked else ""
        verdict = "OK" if ratio <= ROUTE_TARGET else "OVER"
        print(
            f"  {name:<24} {before * 1000:>9.1f} {full[name] * 1000:>12.1f} {ratio:>6.2f}x{walk}  {verdict}"
        )
    print(f"  queries while importing and timing: {keyed:,} keyed, {walked_queries:,} on moto's walk")

    expected = 10 * small_import
    ratio = full_import / expected
    print()
    print(
        f"Customer import, CPU s: 10 x the {tenth:,}-row import → the {CUSTOMERS:,}-row import (fresh tables)"
    )
    print(f"  {'10 x ' + format(tenth, ',') + ' rows':<24} {expected:>9.1f} s")
    print(
        f"  {format(CUSTOMERS, ',') + ' rows':<24} {full_import:>9.1f} s   ratio {ratio:.2f}x "
        f"(target <= {IMPORT_TARGET}x): {'OK' if ratio <= IMPORT_TARGET else 'OVER'}   "
        f"{CUSTOMERS / full_import:,.0f} rows per CPU s"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process (moto's data included): {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
