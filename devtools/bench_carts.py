"""`make bench` (carts part): DynamoDB requests, items read and items written per cart and order
operation, and the abandoned-cart sweep over 100,000 carts of which 1,000 are idle — in moto.

Counts come from botocore's events on PynamoDB's client (what DynamoDB would bill and throttle),
not timings. Compare with DESIGN.md's access patterns #4, #9 and #10.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from devtools.bench import NOW, Counter

CARTS = int(os.environ.get("BENCH_CARTS", "100000"))
IDLE = int(os.environ.get("BENCH_IDLE_CARTS", "1000"))


@dataclass
class WriteCounter(Counter):
    items_written: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        super().reset()
        self.items_written = 0

    def client_params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        if name == "TransactWriteItems":
            self.items_written += len(params.get("TransactItems", []))
        elif name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.items_written += 1
        elif name == "BatchWriteItem":
            self.items_written += sum(len(v) for v in params.get("RequestItems", {}).values())


@dataclass
class Row:
    operation: str
    pattern: str
    requests: dict[str, int]
    read: int
    written: int
    note: str = ""


def seed_carts(active: int, idle: int) -> None:
    """Open carts straight into the table: `idle` last touched two hours ago, the rest now, plus
    some ordered and abandoned ones the sweep must not read."""
    from chalicelib.carts.domain import Cart, CartLine
    from chalicelib.carts.records import to_cart_record
    from chalicelib.models.base import TableRecord

    line = CartLine("sku-1", "Mug", 2, Decimal("9.90"))
    with TableRecord.batch_write() as batch:
        for number in range(active + idle):
            touched = NOW - timedelta(hours=2) if number < idle else NOW - timedelta(minutes=number % 50)
            status = "open"
            if number >= idle and number % 20 == 0:
                status = "ordered"
            elif number >= idle and number % 20 == 1:
                status = "abandoned"
            cart = Cart(
                id=f"01CART{number:020d}",
                status=status,  # type: ignore[arg-type]
                created_at=touched,
                updated_at=touched,
                email=f"guest{number}@example.com",
                cart_reminders=number % 2 == 0,
                lines=(line,),
                version=1,
            )
            batch.save(to_cart_record(cart))
    # Guests are reminded only once their address confirmed the double opt-in (issue 16 §2.2):
    # the idle guests who ticked the reminder box have, so the sweep's reminder path is measured.
    from chalicelib.carts.reminder_opt_in import CHANNEL, SOURCE
    from chalicelib.core.text import email_hash
    from chalicelib.privacy.repository import DynamoPrivacyRepository

    privacy = DynamoPrivacyRepository()
    for number in range(0, idle, 2):
        privacy.confirm_opt_in(email_hash(f"guest{number}@example.com"), CHANNEL, SOURCE, NOW.isoformat())


def main() -> int:
    from moto import mock_aws

    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws():
        from chalicelib import bootstrap
        from chalicelib.carts.schemas import (
            CartLineRequest,
            CheckoutRequest,
            CreateCartRequest,
            ListCartsParams,
            ListOrdersParams,
        )
        from chalicelib.carts.service import Shopper
        from chalicelib.core.settings import get_settings
        from chalicelib.customers.schemas import CreateCustomerRequest
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container, use_container
        from tests.fakes.mail import MemoryMailer

        bootstrap.ensure_table()
        mailbox = MemoryMailer()
        services = build_container(get_settings(), mailer=mailbox, clock=lambda: NOW)
        use_container(services)
        services.config.seed_defaults()
        print(f"seeding {CARTS:,} carts ({IDLE:,} idle) into moto ...", file=sys.stderr)
        started = time.monotonic()
        seed_carts(CARTS - IDLE, IDLE)
        print(f"  seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        counter = WriteCounter()
        events = TableRecord._get_connection().connection.client.meta.events
        events.register("after-call.dynamodb", counter.after_call)
        events.register("provide-client-params.dynamodb", counter.client_params)
        rows: list[Row] = []

        def measure(operation: str, pattern: str, call: Callable[[], str]) -> None:
            services.config.invalidate()
            services.config.settings()
            counter.reset()
            note = call()
            rows.append(
                Row(
                    operation,
                    pattern,
                    dict(counter.requests),
                    counter.items_read,
                    counter.items_written,
                    note,
                )
            )

        carts, orders = services.carts, services.orders
        buyer = services.customers.create(
            CreateCustomerRequest(first_name="Bench", last_name="Buyer", email="buyer@example.com")
        )
        me = Shopper(customer_id=buyer.id)
        holder: dict[str, Any] = {}
        measure(
            "create cart (customer)",
            "-",
            lambda: holder.setdefault("cart", carts.create(CreateCartRequest(), me).cart.id),
        )
        cart_id = holder["cart"]
        # Writing lines and checking out also check the shop server's X-Storefront-Key (in the
        # route, before the service): one GetItem on an instance's first call, then cached 60 s.
        _, storefront_key = services.storefront_keys.create("Bench shop")
        measure(
            "storefront key check (set line, checkout)",
            "GetItem",
            lambda: services.storefront_keys.verify(storefront_key).name,
        )
        measure(
            "storefront key check, cached (60 s)",
            "-",
            lambda: services.storefront_keys.verify(storefront_key).name,
        )
        line = CartLineRequest(quantity=2, unit_price=Decimal("12.50"), product_name="Mug")
        measure("set a line", "-", lambda: str(len(carts.set_line(cart_id, "sku-1", line, me).cart.lines)))
        measure("get cart with totals", "-", lambda: carts.get(cart_id, me).totals.total.to_eng_string())
        measure(
            "checkout (customer)",
            "transaction",
            lambda: carts.checkout(cart_id, CheckoutRequest(payment_method="card"), me).total,
        )
        guest = carts.create(CreateCartRequest(email="g@example.com"), Shopper())
        token = Shopper(cart_token=guest.cart_token)
        carts.set_line(guest.cart.id, "sku-1", line, token)
        guest_checkout = CheckoutRequest(
            payment_method="card", first_name="Gus", last_name="Guest", email="g@example.com"
        )
        measure(
            "checkout (new guest)",
            "transaction",
            lambda: carts.checkout(guest.cart.id, guest_checkout, token).total,
        )
        for _ in range(60):
            extra = carts.create(CreateCartRequest(), me).cart.id
            carts.set_line(extra, "sku-1", line, me)
            carts.checkout(extra, CheckoutRequest(payment_method="card"), me)
        measure("order list page (50)", "#10", lambda: str(len(orders.list_page(ListOrdersParams())[0])))
        measure(
            "orders by status page (pending)",
            "#10",
            lambda: str(len(orders.list_page(ListOrdersParams(status="pending"))[0])),
        )
        measure("my orders page (50)", "#4", lambda: str(len(orders.mine(buyer.id, 50, None)[0])))
        newest = orders.mine(buyer.id, 1, None)[0][0].id
        measure("order with history", "#10", lambda: orders.get(newest).status)
        measure(
            "admin carts page status=open",
            "4 shards",
            lambda: str(len(carts.list_page(ListCartsParams(status="open"))[0])),
        )
        measure(
            "admin carts page (all)", "6 partitions", lambda: str(len(carts.list_page(ListCartsParams())[0]))
        )

        services.config.patch_settings({"abandoned_cart": {"remind": False, "idle_minutes": 60}})
        result_holder: dict[str, Any] = {}

        def run_sweep() -> str:
            started = time.monotonic()
            result = services.sweep.run(NOW)
            result_holder["result"] = result
            seconds = time.monotonic() - started
            return f"abandoned {result.abandoned}, reminded {result.reminded} ({seconds:.0f} s in moto)"

        measure(f"sweep {CARTS:,} carts, {IDLE:,} idle, reminders off", "#9", run_sweep)
        off = result_holder["result"]
        # Again, with reminders on: the carts are made idle again (open, two hours old).
        repository = services.sweep.carts
        for number in range(IDLE):
            cart = repository.get(f"01CART{number:020d}")
            if cart is not None:
                repository.save(
                    cart, replace(cart, status="open", abandoned_at=None, reminder_due=False, expires_at=None)
                )
        services.config.patch_settings({"abandoned_cart": {"remind": True, "voucher_percent": "10"}})
        measure(f"sweep {CARTS:,} carts, {IDLE:,} idle, reminders on", "#9", run_sweep)
        on = result_holder["result"]
        measure("sweep again (same event: nothing to do)", "#9", run_sweep)
        use_container(None)

    print("\nCarts and orders: DynamoDB requests, items read and written per operation\n")
    header = f"{'operation':<48} {'pattern':<12} {'requests':<44} {'read':>6} {'written':>8}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        requests = ", ".join(f"{n} {op}" for op, n in sorted(row.requests.items()))
        print(
            f"{row.operation:<48} {row.pattern:<12} {requests:<44} {row.read:>6} {row.written:>8}  {row.note}"
        )
    sweep_rows = [row for row in rows if row.operation.startswith("sweep ") and "again" not in row.operation]
    for row, result in zip(sweep_rows, (off, on), strict=True):
        if result.abandoned:
            ratio = row.read / result.abandoned
            print(f"\n{row.operation}: items read / carts abandoned = {ratio:.2f} (target <= 1.2)")
    print(
        f"reminder mails sent: {len(mailbox.sent)} (guest carts with the reminder checkbox: every other one)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
