"""One contract, two implementations: the in-memory cart and order fakes and DynamoDB (moto) must
agree — on version checks, list order and filters, the sweep's reads, and a checkout (cart, order,
customer, group counters, address counters, voucher) that is all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.addresses.domain import Address, address_id
from chalicelib.addresses.ports import AddressRepository
from chalicelib.addresses.repository import DynamoAddressRepository
from chalicelib.carts.domain import Cart, CartFilters, CartLine, CheckoutWrite, Order, OrderFilters, Voucher
from chalicelib.carts.ports import CartRepository, OrderRepository
from chalicelib.carts.repository import DynamoCartRepository, DynamoOrderRepository
from chalicelib.customers.domain import Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.models import keys
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.repository import DynamoConfigRepository
from tests.factories import FIXED_NOW
from tests.fakes.addresses import MemoryAddressRepository
from tests.fakes.carts import MemoryCartRepository, MemoryOrderRepository
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.shop import MemoryConfigRepository

GROUPS = ("customer", "guest", "vip")
LINE = CartLine("P1", "Tea", 2, Decimal("4.50"))


@dataclass
class Store:
    carts: CartRepository
    orders: OrderRepository
    customers: CustomerRepository
    addresses: AddressRepository
    config: ConfigRepository


def _seed_groups(config: ConfigRepository) -> None:
    for group_id in GROUPS:
        config.put_entry(ConfigEntry("GROUP", group_id, {"name": group_id}))


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        config = MemoryConfigRepository()
        _seed_groups(config)
        addresses = MemoryAddressRepository()
        customers = MemoryCustomerRepository(config, addresses)
        orders = MemoryOrderRepository(customers)
        yield Store(MemoryCartRepository(customers, orders, addresses), orders, customers, addresses, config)
        return
    with mock_aws():
        bootstrap.ensure_table()
        dynamo_config = DynamoConfigRepository()
        _seed_groups(dynamo_config)
        yield Store(
            DynamoCartRepository(),
            DynamoOrderRepository(),
            DynamoCustomerRepository(),
            DynamoAddressRepository(),
            dynamo_config,
        )


def cart(number: int, **overrides: object) -> Cart:
    base = Cart(
        id=f"01CART{number:020d}",
        status="open",
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW + timedelta(minutes=number),
        lines=(LINE,),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def person(number: int, **overrides: object) -> Customer:
    base = Customer(
        id=f"01CUST{number:020d}",
        email=f"person{number}@example.com",
        first_name="Ana",
        last_name=f"Last{number:03d}",
        registered_at=FIXED_NOW,
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        group_ids=("customer",),
        default_group_id="customer",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def order_for(the_cart: Cart, customer: Customer, number: int = 1, **overrides: object) -> Order:
    base = Order(
        id=f"01ORDER{number:019d}",
        customer_id=customer.id,
        cart_id=the_cart.id,
        status="pending",
        currency="EUR",
        payment_method="card",
        lines=({"product_id": "P1", "quantity": 2, "unit_price": "4.50"},),
        subtotal="9.00",
        discount="0.00",
        voucher_discount="0.00",
        total="9.00",
        created_at=FIXED_NOW + timedelta(hours=number),
        updated_at=FIXED_NOW + timedelta(hours=number),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def voucher(the_cart: Cart, code: str = "SAVE10ABC", **overrides: object) -> Voucher:
    base = Voucher(
        code=code,
        cart_id=the_cart.id,
        customer_id=the_cart.customer_id,
        percent=Decimal("10"),
        valid_until=FIXED_NOW + timedelta(days=7),
        created_at=FIXED_NOW,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def stored(repository: CartRepository, the_cart: Cart) -> Cart:
    found = repository.get(the_cart.id)
    assert found is not None
    return found


def member_counts(config: ConfigRepository) -> dict[str, int]:
    return {g.id: g.count for g in config.load().of("GROUP")}


def checkout_write(
    store: Store, the_cart: Cart, customer: Customer, *, new_guest: bool = False
) -> CheckoutWrite:
    """The checkout of an open cart by `customer` (stored unless `new_guest`): its stats move."""
    before = None if new_guest else customer
    the_order = order_for(the_cart, customer)
    after = replace(
        customer, orders_count=customer.orders_count + 1, total_spent="9.00", last_order_at=FIXED_NOW
    )
    cart_after = replace(
        the_cart,
        status="ordered",
        customer_id=customer.id,
        ordered_at=FIXED_NOW,
        order_id=the_order.id,
        updated_at=FIXED_NOW + timedelta(hours=1),
    )
    return CheckoutWrite(the_cart, cart_after, the_order, before, after)


# -- carts ---------------------------------------------------------------------------------------
def test_a_cart_is_stored_at_version_one_and_unknown_or_overlong_ids_find_nothing(store: Store) -> None:
    store.carts.create(cart(1, email="Guest@Example.com", cart_reminders=True))
    assert store.carts.get(cart(1).id) == cart(1, email="Guest@Example.com", cart_reminders=True, version=1)
    assert store.carts.get(cart(2).id) is None
    assert store.carts.get("X" * 65) is None
    assert store.carts.get_voucher("SAVE10ABC") is None
    assert store.carts.get_voucher("X" * 65) is None


def test_save_is_version_checked(store: Store) -> None:
    store.carts.create(cart(1))
    first = stored(store.carts, cart(1))
    assert store.carts.save(first, replace(first, lines=(LINE, LINE)))
    assert stored(store.carts, cart(1)).version == 2
    assert store.carts.save(first, replace(first, lines=())) is False  # a stale copy loses
    assert stored(store.carts, cart(1)).lines == (LINE, LINE)


def test_only_an_abandoned_cart_is_deleted(store: Store) -> None:
    store.carts.create(cart(1))
    store.carts.create(cart(2, status="abandoned", abandoned_at=FIXED_NOW))
    assert store.carts.delete_abandoned(stored(store.carts, cart(1))) is False
    assert store.carts.delete_abandoned(stored(store.carts, cart(2))) is True
    assert store.carts.get(cart(2).id) is None
    assert store.carts.get(cart(1).id) is not None


def test_abandon_stores_the_cart_and_its_voucher_once(store: Store) -> None:
    store.carts.create(cart(1, customer_id="01CUSTX"))
    before = stored(store.carts, cart(1))
    after = replace(
        before, status="abandoned", abandoned_at=FIXED_NOW, reminder_due=True, voucher_code="SAVE10ABC"
    )
    code = voucher(before)
    assert store.carts.abandon(before, after, code, FIXED_NOW + timedelta(days=30))
    assert stored(store.carts, cart(1)).status == "abandoned"
    assert store.carts.get_voucher("SAVE10ABC") == code
    # A replay of the same abandonment (the sweep run twice) changes nothing.
    assert store.carts.abandon(before, after, code, FIXED_NOW + timedelta(days=30)) is False
    assert stored(store.carts, cart(1)).version == 2


def test_abandon_writes_neither_when_the_voucher_exists(store: Store) -> None:
    store.carts.create(cart(1))
    store.carts.create(cart(2))
    first, second = stored(store.carts, cart(1)), stored(store.carts, cart(2))
    abandoned = {"status": "abandoned", "abandoned_at": FIXED_NOW}
    assert store.carts.abandon(first, replace(first, **abandoned), voucher(first), FIXED_NOW)  # type: ignore[arg-type]
    assert not store.carts.abandon(second, replace(second, **abandoned), voucher(second), FIXED_NOW)  # type: ignore[arg-type]
    assert stored(store.carts, cart(2)).status == "open"
    assert store.carts.get_voucher("SAVE10ABC") == voucher(first)


def test_the_sweep_reads_idle_open_carts_per_shard_and_due_reminders_oldest_first(store: Store) -> None:
    for number in range(1, 13):
        store.carts.create(cart(number))
    for number in (3, 7, 11):
        current = stored(store.carts, cart(number))
        due = replace(
            current, status="abandoned", abandoned_at=FIXED_NOW - timedelta(minutes=number), reminder_due=True
        )
        assert store.carts.save(current, due)
    idle_before = FIXED_NOW + timedelta(minutes=9, seconds=30)
    by_shard = {
        shard: [c.id for c in store.carts.idle_open(shard, idle_before, 2)]
        for shard in range(keys.OPEN_CART_SHARDS)
    }
    expected = {
        shard: [cart(n).id for n in range(1, 10) if n not in (3, 7) and keys.cart_shard(cart(n).id) == shard]
        for shard in range(keys.OPEN_CART_SHARDS)
    }
    assert by_shard == expected
    assert [c.id for c in store.carts.reminders_due(2)] == [cart(11).id, cart(7).id, cart(3).id]


def all_pages(repository: CartRepository, filters: CartFilters, limit: int) -> list[str]:
    ids: list[str] = []
    position = None
    for _ in range(50):
        page = repository.list_page(filters, limit, position)
        ids.extend(c.id for c in page.items)
        position = page.next_position
        if position is None:
            return ids
    raise AssertionError("paging did not end")


def test_cart_lists_are_newest_first_with_filters_and_pages(store: Store) -> None:
    statuses = ["open", "abandoned", "ordered"]
    for number in range(1, 14):
        mine = {"customer_id": "01CUSTMINE"} if number % 2 else {}
        store.carts.create(cart(number, status=statuses[number % 3], **mine))  # type: ignore[arg-type]
    newest_first = [cart(n).id for n in range(13, 0, -1)]
    for limit in (1, 4, 13, 20):
        assert all_pages(store.carts, CartFilters(), limit) == newest_first
    for status in statuses:
        wanted = [cart(n).id for n in range(13, 0, -1) if statuses[n % 3] == status]
        assert all_pages(store.carts, CartFilters(status=status), 2) == wanted  # type: ignore[arg-type]
    assert all_pages(store.carts, CartFilters(customer_id="01CUSTMINE"), 3) == [
        cart(n).id for n in range(13, 0, -2)
    ]
    assert all_pages(store.carts, CartFilters(customer_id="01CUSTMINE", status="open"), 1) == [
        cart(n).id for n in range(13, 0, -2) if n % 3 == 0
    ]
    window = CartFilters(
        updated_from=FIXED_NOW + timedelta(minutes=4), updated_to=FIXED_NOW + timedelta(minutes=8)
    )
    assert all_pages(store.carts, window, 2) == [cart(n).id for n in range(8, 3, -1)]
    assert [c.id for c in store.carts.for_customer("01CUSTMINE", 2)] == [cart(13).id, cart(11).id]
    assert store.carts.for_customer("01CUSTNOBODY", 5) == []


# -- checkout ------------------------------------------------------------------------------------
def test_checkout_writes_cart_order_and_customer_together(store: Store) -> None:
    customer = person(1)
    store.customers.create(customer)
    customer = replace(customer, version=1)
    store.carts.create(cart(1, customer_id=customer.id))
    write = checkout_write(store, stored(store.carts, cart(1)), customer)
    store.carts.checkout(write)
    assert stored(store.carts, cart(1)) == replace(write.cart_after, version=2)
    assert store.orders.get(write.order.id) == replace(write.order, version=1)
    assert store.customers.get(customer.id) == replace(write.customer_after, version=2)
    # A second checkout of the same cart (a retried request) fails on the cart and writes nothing.
    again = replace(write, order=order_for(write.cart_before, customer, 2))
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(again)
    assert "cart" in raised.value.reasons
    assert store.orders.get(order_for(write.cart_before, customer, 2).id) is None
    assert store.customers.get(customer.id) == replace(write.customer_after, version=2)


def test_a_guest_checkout_creates_the_customer_and_moves_the_group_counter(store: Store) -> None:
    guest = person(2, is_guest=True, group_ids=("guest",), default_group_id="guest")
    store.carts.create(cart(1, email=guest.email))
    write = checkout_write(store, stored(store.carts, cart(1)), guest, new_guest=True)
    store.carts.checkout(write)
    assert store.customers.get_by_email(guest.email) == replace(write.customer_after, version=1)
    assert member_counts(store.config)["guest"] == 1


def test_a_guest_checkout_on_a_taken_email_fails_on_the_email_alone(store: Store) -> None:
    store.customers.create(person(1))
    guest = person(2, email=person(1).email, is_guest=True)
    store.carts.create(cart(1, email=guest.email))
    write = checkout_write(store, stored(store.carts, cart(1)), guest, new_guest=True)
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(write)
    assert raised.value.reasons == {"email"}
    assert stored(store.carts, cart(1)).status == "open"
    assert store.orders.get(write.order.id) is None
    assert member_counts(store.config)["customer"] == 1


def test_a_stale_customer_fails_the_checkout_on_the_customer(store: Store) -> None:
    store.customers.create(person(1))
    current = replace(person(1), version=1)
    store.customers.update(current, replace(current, first_name="Bea"))  # someone else's edit
    store.carts.create(cart(1, customer_id=current.id))
    write = checkout_write(store, stored(store.carts, cart(1)), current)
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(write)
    assert raised.value.reasons == {"customer"}
    assert stored(store.carts, cart(1)).status == "open"
    assert store.orders.get(write.order.id) is None


def test_checkout_counts_the_order_on_its_addresses_and_redeems_the_voucher_once(store: Store) -> None:
    customer = person(1)
    store.customers.create(customer)
    customer = replace(customer, version=1)
    address = Address(
        id=address_id(customer.id, "01ADDR0000000000000000001"),
        customer_id=customer.id,
        first_name="Ana",
        last_name="Last",
        address1="1 Main St",
        city="Lyon",
        country="FR",
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
    )
    store.addresses.create(address)
    for number in (1, 2):
        store.carts.create(cart(number, customer_id=customer.id))
    first = stored(store.carts, cart(1))
    store.carts.abandon(
        first, replace(first, status="abandoned", abandoned_at=FIXED_NOW), voucher(first), FIXED_NOW
    )
    first = replace(stored(store.carts, cart(1)), status="open")
    write = replace(
        checkout_write(store, first, customer),
        address_ids=(address.id,),
        voucher_code="SAVE10ABC",
        now=FIXED_NOW + timedelta(days=1),
    )
    store.carts.checkout(write)
    counted = store.addresses.get(address.id)
    assert counted is not None and (counted.order_count, counted.version) == (1, 2)
    redeemed = store.carts.get_voucher("SAVE10ABC")
    assert redeemed is not None and redeemed.used_by_order == write.order.id
    # The same voucher on another cart: refused, and nothing of that checkout is written.
    customer = replace(write.customer_after, version=2)
    second = replace(
        checkout_write(store, stored(store.carts, cart(2)), customer),
        order=order_for(cart(2), customer, 2),
        voucher_code="SAVE10ABC",
        now=FIXED_NOW + timedelta(days=1),
    )
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(second)
    assert raised.value.reasons == {"voucher"}
    assert stored(store.carts, cart(2)).status == "open"
    assert store.customers.get(customer.id) == customer


def test_an_expired_voucher_or_a_missing_address_cancels_the_checkout(store: Store) -> None:
    customer = person(1)
    store.customers.create(customer)
    customer = replace(customer, version=1)
    store.carts.create(cart(1, customer_id=customer.id))
    first = stored(store.carts, cart(1))
    store.carts.abandon(
        first, replace(first, status="abandoned", abandoned_at=FIXED_NOW), voucher(first), FIXED_NOW
    )
    first = stored(store.carts, cart(1))
    late = replace(
        checkout_write(store, first, customer), voucher_code="SAVE10ABC", now=FIXED_NOW + timedelta(days=8)
    )
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(late)
    assert raised.value.reasons == {"voucher"}
    nowhere = replace(
        checkout_write(store, first, customer), address_ids=(address_id(customer.id, "01ADDRNONE"),)
    )
    with pytest.raises(TransactionCancelledError) as raised:
        store.carts.checkout(nowhere)
    assert raised.value.reasons == {"address"}
    assert stored(store.carts, cart(1)) == first
    assert store.customers.get(customer.id) == customer


# -- orders --------------------------------------------------------------------------------------
def place_orders(store: Store, count: int) -> list[Order]:
    """`count` orders by two customers, through checkouts (the only way an order is written)."""
    buyers = [person(1), person(2)]
    for buyer in buyers:
        store.customers.create(buyer)
    current = {b.id: replace(b, version=1) for b in buyers}
    placed = []
    for number in range(1, count + 1):
        buyer = current[buyers[number % 2].id]
        store.carts.create(cart(number, customer_id=buyer.id))
        write = checkout_write(store, stored(store.carts, cart(number)), buyer)
        write = replace(
            write,
            order=order_for(cart(number), buyer, number, status="pending" if number % 3 else "shipped"),
            customer_after=replace(write.customer_after, orders_count=buyer.orders_count + 1),
        )
        store.carts.checkout(write)
        current[buyer.id] = replace(write.customer_after, version=buyer.version + 1)
        placed.append(replace(write.order, version=1))
    return placed


def order_pages(repository: OrderRepository, filters: OrderFilters, limit: int) -> list[str]:
    ids: list[str] = []
    position = None
    for _ in range(50):
        page = repository.list_page(filters, limit, position)
        ids.extend(o.id for o in page.items)
        position = page.next_position
        if position is None:
            return ids
    raise AssertionError("paging did not end")


def test_order_lists_are_newest_first_by_customer_and_status(store: Store) -> None:
    placed = place_orders(store, 7)
    newest = [o.id for o in reversed(placed)]
    assert store.orders.get(placed[0].id) == placed[0]
    assert store.orders.get("X" * 65) is None
    for limit in (1, 3, 7, 10):
        assert order_pages(store.orders, OrderFilters(), limit) == newest
    assert order_pages(store.orders, OrderFilters(status="shipped"), 1) == [
        o.id for o in reversed(placed) if o.status == "shipped"
    ]
    mine = person(1).id
    assert order_pages(store.orders, OrderFilters(customer_id=mine), 2) == [
        o.id for o in reversed(placed) if o.customer_id == mine
    ]
    assert order_pages(store.orders, OrderFilters(customer_id=mine, status="pending"), 1) == [
        o.id for o in reversed(placed) if o.customer_id == mine and o.status == "pending"
    ]


def test_change_status_is_version_checked_with_the_customer_in_the_same_transaction(store: Store) -> None:
    placed = place_orders(store, 1)[0]
    buyer = store.customers.get(placed.customer_id)
    assert buyer is not None
    shipped = replace(placed, status="cancelled", updated_at=FIXED_NOW + timedelta(days=1))
    refunded = replace(buyer, total_spent="0.00")
    store.orders.change_status(placed, shipped, buyer, refunded)
    assert store.orders.get(placed.id) == replace(shipped, version=2)
    assert store.customers.get(buyer.id) == replace(refunded, version=buyer.version + 1)
    # A stale order: nothing is written, the customer included.
    with pytest.raises(TransactionCancelledError) as raised:
        store.orders.change_status(placed, replace(placed, status="processing"), refunded, buyer)
    assert "order" in raised.value.reasons
    assert store.orders.get(placed.id) == replace(shipped, version=2)
    assert store.customers.get(buyer.id) == replace(refunded, version=buyer.version + 1)
    # Without a customer change only the order moves.
    store.orders.change_status(replace(shipped, version=2), replace(shipped, status="refunded"), None, None)
    current = store.orders.get(placed.id)
    assert current is not None and (current.status, current.version) == ("refunded", 3)
