"""In-memory cart and order repositories: the fakes unit tests run the carts services against.

They follow the same contract as the DynamoDB ones (tests/contract/test_cart_repository_contract.py
runs one suite on both): the same list order and filters, version checks, and a checkout that is all
or nothing and names the items whose condition failed like the DynamoDB transaction does. The one
table is three fakes here: a checkout writes the customer through the customer fake (and the
address counters through the address fake) only after every condition of the transaction held."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.carts.domain import Cart, CartFilters, CheckoutWrite, Order, OrderFilters, Voucher
from chalicelib.carts.ports import CartRepository, OrderRepository
from chalicelib.core.clock import iso
from chalicelib.core.errors import ConflictError
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import Customer
from chalicelib.models import keys
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.models.paging import Page
from tests.fakes.addresses import MemoryAddressRepository
from tests.fakes.customers import MemoryCustomerRepository

# The DynamoDB repositories' bound on ids (longer ones are not ours and find nothing).
MAX_ID_LENGTH = 64


def _sort_value(at: datetime, item_id: str) -> str:
    """The index sort key both repositories page by: `<at>#<id>` (keys.time_sk)."""
    return keys.time_sk(iso(at), item_id)


def _newest_page(rows: list[tuple[str, Any]], limit: int, after: str | None) -> Page[Any]:
    """Newest first by sort value, below `after`; the next position is the last row's value."""
    rows = sorted(
        (row for row in rows if after is None or row[0] < after), key=lambda row: row[0], reverse=True
    )
    page = rows[:limit]
    more = len(rows) > limit and page
    return Page([item for _, item in page], {"after": page[-1][0]} if more else None)


def _in_range(at: datetime, low: datetime | None, high: datetime | None) -> bool:
    # The DynamoDB side compares ISO strings with the bounds' ISO strings (`high` inclusive).
    text = iso(at)
    return (low is None or text >= iso(low)) and (high is None or text[: len(iso(high))] <= iso(high))


def customer_reasons(
    customers: MemoryCustomerRepository, before: Customer | None, after: Customer
) -> set[str]:
    """The items of customers.write_items' create / update (and group counters) whose condition
    would fail, named like carts.repository.transaction_label names them."""
    reasons: set[str] = set()
    if before is None:
        if after.id in customers.customers:
            reasons.add("customer")
        if normalise_email(after.email) in customers.emails:
            reasons.add("email")  # taken, or blocked (the blocked item exists)
        if after.merchant_ref and after.merchant_ref in customers.refs:
            reasons.add("other")
        moved = set(after.group_ids)
    else:
        current = customers.customers.get(before.id)
        if current is None or current.version != before.version:
            reasons.add("customer")
        old, new = normalise_email(before.email), normalise_email(after.email)
        if old != new and (customers.emails.get(old) != before.id or new in customers.emails):
            reasons.add("email")
        ref = after.merchant_ref
        if ref and ref != before.merchant_ref and customers.refs.get(ref, after.id) != after.id:
            reasons.add("other")
        moved = set(before.group_ids) ^ set(after.group_ids)
    if customers.config is not None:
        known = {key[1] for key in customers.config.entries if key[0] == "GROUP"}
        if moved - known:
            reasons.add("group")
    return reasons


def write_customer(customers: MemoryCustomerRepository, before: Customer | None, after: Customer) -> None:
    """Apply a customer write whose conditions held (customer_reasons found none)."""
    if before is None:
        customers.create(after)
    else:
        customers.update(before, after)


class MemoryOrderRepository:
    def __init__(self, customers: MemoryCustomerRepository | None = None) -> None:
        self.customers = customers or MemoryCustomerRepository()
        self.orders: dict[str, Order] = {}

    def get(self, order_id: str) -> Order | None:
        if len(order_id) > MAX_ID_LENGTH:
            return None
        return self.orders.get(order_id)

    def list_page(self, filters: OrderFilters, limit: int, position: dict[str, Any] | None) -> Page[Order]:
        rows = [
            (_sort_value(order.created_at, order.id), order)
            for order in self.orders.values()
            if (filters.customer_id is None or order.customer_id == filters.customer_id)
            and (filters.status is None or order.status == filters.status)
        ]
        return _newest_page(rows, limit, str(position["after"]) if position else None)

    def change_status(
        self, before: Order, after: Order, customer_before: Customer | None, customer_after: Customer | None
    ) -> None:
        current = self.orders.get(before.id)
        reasons = set() if current is not None and current.version == before.version else {"order"}
        writes_customer = customer_before is not None and customer_after is not None
        if writes_customer:
            reasons |= customer_reasons(self.customers, customer_before, customer_after)  # type: ignore[arg-type]
        if reasons:
            raise TransactionCancelledError(reasons)
        self.orders[after.id] = replace(after, version=before.version + 1)
        if writes_customer:
            write_customer(self.customers, customer_before, customer_after)  # type: ignore[arg-type]


class MemoryCartRepository:
    def __init__(
        self,
        customers: MemoryCustomerRepository | None = None,
        orders: MemoryOrderRepository | None = None,
        addresses: MemoryAddressRepository | None = None,
    ) -> None:
        self.customers = customers or (orders.customers if orders else MemoryCustomerRepository())
        self.orders = orders or MemoryOrderRepository(self.customers)
        self.addresses = addresses or self.customers.address_book or MemoryAddressRepository()
        self.carts: dict[str, Cart] = {}
        self.vouchers: dict[str, Voucher] = {}

    def get(self, cart_id: str) -> Cart | None:
        if len(cart_id) > MAX_ID_LENGTH:
            return None
        return self.carts.get(cart_id)

    def create(self, cart: Cart) -> None:
        if cart.id in self.carts:
            raise ConflictError("The cart already exists.")
        self.carts[cart.id] = replace(cart, version=1)

    def _at_version(self, cart: Cart) -> bool:
        current = self.carts.get(cart.id)
        return current is not None and current.version == cart.version

    def save(self, before: Cart, after: Cart) -> bool:
        if not self._at_version(before):
            return False
        self.carts[after.id] = replace(after, version=before.version + 1)
        return True

    def delete_abandoned(self, cart: Cart) -> bool:
        current = self.carts.get(cart.id)
        if (
            current is None
            or current.status != "abandoned"
            or (cart.version and current.version != cart.version)
        ):
            return False
        del self.carts[cart.id]
        return True

    def abandon(self, before: Cart, after: Cart, voucher: Voucher | None, voucher_expires: datetime) -> bool:
        current = self.carts.get(before.id)
        if current is None or current.status != "open" or current.version != before.version:
            return False
        if voucher is not None and voucher.code in self.vouchers:
            return False
        self.carts[after.id] = replace(after, version=before.version + 1)
        if voucher is not None:
            self.vouchers[voucher.code] = voucher
        return True

    def idle_open(self, shard: int, idle_before: datetime, size: int) -> Iterator[Cart]:
        limit = iso(idle_before)
        rows = sorted(
            (_sort_value(cart.updated_at, cart.id), cart)
            for cart in self.carts.values()
            if cart.status == "open" and keys.cart_shard(cart.id) == shard
        )
        # A list, not a live view: the sweep writes the carts it reads.
        yield from [cart for value, cart in rows if value < limit]

    def reminders_due(self, size: int) -> Iterator[Cart]:
        rows = sorted(
            (_sort_value(cart.abandoned_at, cart.id), cart)
            for cart in self.carts.values()
            if cart.reminder_due and cart.abandoned_at is not None
        )
        yield from [cart for _, cart in rows]

    def list_page(self, filters: CartFilters, limit: int, position: dict[str, Any] | None) -> Page[Cart]:
        rows = [
            (_sort_value(cart.updated_at, cart.id), cart)
            for cart in self.carts.values()
            if (filters.customer_id is None or cart.customer_id == filters.customer_id)
            and (filters.status is None or cart.status == filters.status)
            and _in_range(cart.updated_at, filters.updated_from, filters.updated_to)
        ]
        return _newest_page(rows, limit, str(position["after"]) if position and "after" in position else None)

    def for_customer(self, customer_id: str, limit: int) -> list[Cart]:
        return self.list_page(CartFilters(customer_id=customer_id), limit, None).items

    def get_voucher(self, code: str) -> Voucher | None:
        if len(code) > MAX_ID_LENGTH:
            return None
        return self.vouchers.get(code)

    def checkout(self, write: CheckoutWrite) -> None:
        reasons: set[str] = set()
        current = self.carts.get(write.cart_before.id)
        if current is None or current.status == "ordered" or current.version != write.cart_before.version:
            reasons.add("cart")
        if write.order.id in self.orders.orders:
            reasons.add("order")
        reasons |= customer_reasons(self.customers, write.customer_before, write.customer_after)
        for address_id in write.address_ids:
            address = self.addresses.addresses.get(address_id)
            if address is None or address.deleted or address.customer_id != write.customer_after.id:
                reasons.add("address")
        voucher = self.vouchers.get(write.voucher_code) if write.voucher_code else None
        now = write.now
        redeems = write.voucher_code is not None and now is not None
        if (
            redeems
            and now is not None
            and (voucher is None or voucher.used_by_order is not None or voucher.valid_until <= now)
        ):
            reasons.add("voucher")
        if reasons:
            raise TransactionCancelledError(reasons)
        self.carts[write.cart_after.id] = replace(write.cart_after, version=write.cart_before.version + 1)
        self.orders.orders[write.order.id] = replace(write.order, version=1)
        write_customer(self.customers, write.customer_before, write.customer_after)
        for address_id in write.address_ids:
            address = self.addresses.addresses[address_id]
            # The DynamoDB update moves the version too (a stale admin edit then fails).
            self.addresses.addresses[address_id] = replace(
                address, order_count=address.order_count + 1, version=address.version + 1
            )
        if redeems and voucher is not None:
            self.vouchers[voucher.code] = replace(voucher, used_by_order=write.order.id)


# mypy checks each fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_carts(fake: MemoryCartRepository) -> CartRepository:
    return fake


def _port_check_orders(fake: MemoryOrderRepository) -> OrderRepository:
    return fake
