"""The privacy ports: the in-memory privacy repository (over the customer and thread fakes and cart /
order dicts) and DynamoPrivacyRepository (moto) must agree — suppressions and guest opt-ins, erasure
jobs, what blocks an erasure, retention's lookups and every erasure step (what it changes, what it
counts, and that running it again changes nothing more)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.carts.domain import Cart, Order
from chalicelib.carts.records import to_cart_record, to_order_record
from chalicelib.carts.repository import DynamoCartRepository, DynamoOrderRepository
from chalicelib.core.clock import iso
from chalicelib.core.errors import ConflictError
from chalicelib.customers.domain import AccountToken, Connection, Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.privacy.domain import ErasureJob
from chalicelib.privacy.ports import PrivacyRepository
from chalicelib.privacy.repository import ERASED, ERASED_EMAIL, DynamoPrivacyRepository
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.repository import DynamoConfigRepository
from chalicelib.support.domain import DayStats, Thread, ThreadEvent
from chalicelib.support.ports import ThreadRepository, ThreadWrite
from chalicelib.support.repository import DynamoThreadRepository
from tests.contract.test_support_contract import CONTACT, message, thread
from tests.factories import FIXED_NOW
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.privacy import MemoryPrivacyRepository
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.support import MemoryThreadRepository

ADDRESS = {
    "first_name": "Ana",
    "last_name": "Berg",
    "address1": "1 rue de la Paix",
    "city": "Paris",
    "country": "FR",
}


@dataclass
class World:
    privacy: PrivacyRepository
    customers: CustomerRepository
    threads: ThreadRepository
    add_cart: Callable[[Cart], None]
    add_order: Callable[[Order], None]
    cart: Callable[[str], Cart | None]
    order: Callable[[str], Order | None]


def seed_config(config: ConfigRepository) -> None:
    for group_id in ("customer", "guest"):
        config.put_entry(ConfigEntry("GROUP", group_id, {"name": group_id}))
    config.put_entry(ConfigEntry("CONTACT", CONTACT, {"name": "Sales"}))


@pytest.fixture(params=["memory", "dynamodb"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "memory":
        config = MemoryConfigRepository()
        seed_config(config)
        customers = MemoryCustomerRepository(config)
        threads = MemoryThreadRepository(config)
        privacy = MemoryPrivacyRepository(customers, threads)

        def add_cart(cart: Cart) -> None:
            privacy.carts[cart.id] = replace(cart, version=1)

        def add_order(order: Order) -> None:
            privacy.orders[order.id] = replace(order, version=1)

        yield World(privacy, customers, threads, add_cart, add_order, privacy.carts.get, privacy.orders.get)
        return
    with mock_aws():
        bootstrap.ensure_table()
        seed_config(DynamoConfigRepository(lambda: FIXED_NOW))
        yield World(
            DynamoPrivacyRepository(),
            DynamoCustomerRepository(),
            DynamoThreadRepository(),
            lambda cart: to_cart_record(cart).save(),
            lambda order: to_order_record(order).save(),
            DynamoCartRepository().get,
            DynamoOrderRepository().get,
        )


def customer(number: int, **overrides: object) -> Customer:
    base = Customer(
        id=f"01CUST{number:020d}",
        email=f"person{number}@example.com",
        first_name="Ana",
        last_name="Berg",
        registered_at=FIXED_NOW,
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        group_ids=("customer",),
        default_group_id="customer",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def cart(number: int, **overrides: object) -> Cart:
    at = FIXED_NOW + timedelta(hours=number)
    base = Cart(id=f"01CART{number:020d}", status="open", created_at=at, updated_at=at)
    return replace(base, **overrides)  # type: ignore[arg-type]


def order(number: int, customer_id: str, **overrides: object) -> Order:
    at = FIXED_NOW + timedelta(hours=number)
    base = Order(
        id=f"01ORDER{number:019d}",
        customer_id=customer_id,
        cart_id=f"01CART{number:020d}",
        status="delivered",
        currency="EUR",
        payment_method="card",
        lines=({"product_id": "p1", "quantity": 1, "unit_price": "10.00"},),
        subtotal="10.00",
        discount="0.00",
        voucher_discount="0.00",
        total="10.00",
        created_at=at,
        updated_at=at,
        delivery_address=dict(ADDRESS),
        invoice_address=dict(ADDRESS),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def token(number: int, customer_id: str, purpose: str = "reset") -> AccountToken:
    return AccountToken(
        f"{number:064x}",
        customer_id,
        purpose,
        FIXED_NOW + timedelta(hours=number),  # type: ignore[arg-type]
    )


def open_thread(world: World, number: int, **overrides: object) -> Thread:
    new = thread(number, **overrides)
    world.threads.write(
        ThreadWrite(
            before=None,
            after=new,
            messages=(message(new.id, number, received_at=new.last_message_at),),
            stats_day=new.created_at.date(),
            stats=DayStats(threads=1, messages=1),
            new_thread_for_contact=True,
        )
    )
    return replace(new, version=1)


# -- suppressions and guest opt-ins ----------------------------------------------------------
def test_suppressions_are_idempotent_and_per_channel(world: World) -> None:
    world.privacy.suppress("hash1", "newsletter", "link", iso(FIXED_NOW))
    world.privacy.suppress("hash1", "newsletter", "again", iso(FIXED_NOW + timedelta(days=1)))

    assert world.privacy.is_suppressed("hash1", "newsletter") is True
    assert world.privacy.is_suppressed("hash1", "cart_reminders") is False
    assert world.privacy.is_suppressed("hash2", "newsletter") is False


def test_guest_opt_ins_keep_the_first_confirmation_and_are_erased_together(world: World) -> None:
    first = iso(FIXED_NOW)
    assert world.privacy.confirm_opt_in("hash1", "newsletter", "storefront", first) is True
    assert (
        world.privacy.confirm_opt_in("hash1", "newsletter", "again", iso(FIXED_NOW + timedelta(days=1)))
        is False
    )
    assert world.privacy.confirm_opt_in("hash1", "cart_reminders", "cart", first) is True
    assert world.privacy.confirm_opt_in("hash2", "newsletter", "storefront", first) is True

    assert world.privacy.opt_in("hash1", "newsletter") == ("storefront", first)
    assert world.privacy.opt_in("hash1", "offers") is None
    assert world.privacy.opt_ins("hash1") == [
        ("cart_reminders", "cart", first),
        ("newsletter", "storefront", first),
    ]
    assert world.privacy.delete_opt_ins("hash1") == 2
    assert world.privacy.opt_ins("hash1") == []
    assert world.privacy.delete_opt_ins("hash1") == 0
    assert world.privacy.opt_in("hash2", "newsletter") == ("storefront", first)


# -- erasure jobs ------------------------------------------------------------------------------
def job(number: int, **overrides: object) -> ErasureJob:
    base = ErasureJob(
        customer_id=f"01CUST{number:020d}",
        requested_by="employee:01EMP",
        started_at=FIXED_NOW + timedelta(minutes=number),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_a_second_start_joins_the_first_job(world: World) -> None:
    started = world.privacy.start_job(job(1))

    assert started == replace(job(1), version=1)
    assert world.privacy.start_job(job(1, requested_by="customer")) == started
    assert world.privacy.get_job(job(1).customer_id) == started
    assert world.privacy.get_job(job(2).customer_id) is None


def test_checkpoints_are_version_checked(world: World) -> None:
    started = world.privacy.start_job(job(1))
    moved = world.privacy.save_job(started, replace(started, step="orders", position="p", items_changed=3))

    assert moved == replace(started, step="orders", position="p", items_changed=3, version=2)
    assert world.privacy.get_job(started.customer_id) == moved
    with pytest.raises(ConflictError):
        world.privacy.save_job(started, replace(started, step="carts"))
    assert world.privacy.get_job(started.customer_id) == moved


def test_jobs_are_listed_by_status_oldest_first_and_audited_newest_first(world: World) -> None:
    for number in (2, 1, 3):
        world.privacy.start_job(job(number))
    third = world.privacy.get_job(job(3).customer_id)
    assert third is not None
    world.privacy.save_job(third, replace(third, step="done", finished_at=FIXED_NOW + timedelta(hours=1)))

    assert [j.customer_id for j in world.privacy.jobs("running", 10)] == [
        job(1).customer_id,
        job(2).customer_id,
    ]
    assert [j.customer_id for j in world.privacy.jobs("running", 1)] == [job(1).customer_id]
    assert [j.customer_id for j in world.privacy.jobs("done", 10)] == [job(3).customer_id]
    assert [j.customer_id for j in world.privacy.audit(2)] == [job(3).customer_id, job(2).customer_id]


# -- what blocks an erasure, account links --------------------------------------------------------
def test_open_orders_count_pending_processing_and_shipped_only(world: World) -> None:
    owner = customer(1).id
    for number, status in enumerate(("pending", "processing", "shipped", "delivered", "cancelled"), start=1):
        world.add_order(order(number, owner, status=status))
    world.add_order(order(9, customer(2).id, status="pending"))

    assert world.privacy.open_orders(owner) == 3
    assert world.privacy.open_orders(customer(3).id) == 0


def test_account_tokens_are_consumed_once_by_their_customer_and_erased(world: World) -> None:
    owner = customer(1)
    world.customers.create(owner)
    for number, purpose in ((1, "erase"), (2, "reset"), (3, "set_password")):
        world.customers.put_account_token(token(number, owner.id, purpose))
    world.customers.put_account_token(token(4, customer(2).id))
    erase = token(1, owner.id)

    assert world.privacy.consume_token(erase.token_hash, "erase", customer(2).id) is False
    assert world.privacy.consume_token(erase.token_hash, "erase", owner.id) is True
    assert world.privacy.consume_token(erase.token_hash, "erase", owner.id) is False
    assert world.privacy.open_links(owner.id) == [
        ("reset", iso(token(2, owner.id).valid_until)),
        ("set_password", iso(token(3, owner.id).valid_until)),
    ]
    assert world.privacy.delete_tokens(owner.id, 1) == 1
    assert world.privacy.delete_tokens(owner.id, 10) == 1
    assert world.privacy.open_links(owner.id) == []
    assert len(world.privacy.open_links(customer(2).id)) == 1


# -- retention ---------------------------------------------------------------------------------
def test_old_guests_are_found_by_id_range_oldest_first(world: World) -> None:
    for number in range(1, 6):
        world.customers.create(
            customer(number, is_guest=number != 3, group_ids=("guest",), default_group_id="guest")
        )

    assert world.privacy.old_guest_ids(customer(4).id, None, 10) == [
        (customer(1).id, 0),
        (customer(2).id, 0),
        (customer(4).id, 0),
    ]
    assert world.privacy.old_guest_ids(customer(5).id, customer(2).id, 1) == [(customer(4).id, 0)]
    assert world.privacy.old_guest_ids(customer(5).id, customer(5).id, 10) == []


def test_abandoned_carts_before_a_time_oldest_first(world: World) -> None:
    world.add_cart(cart(3, status="abandoned"))
    world.add_cart(cart(1, status="abandoned"))
    world.add_cart(cart(2, status="open"))
    world.add_cart(cart(9, status="abandoned"))

    before = iso(FIXED_NOW + timedelta(hours=5))
    assert world.privacy.abandoned_carts_before(before, 10) == [
        replace(cart(1, status="abandoned"), version=1),
        replace(cart(3, status="abandoned"), version=1),
    ]
    assert [c.id for c in world.privacy.abandoned_carts_before(before, 1)] == [cart(1).id]


# -- erasure steps -----------------------------------------------------------------------------
def test_order_addresses_are_anonymised_page_by_page_and_only_once(world: World) -> None:
    owner = customer(1).id
    for number in (1, 2, 3):
        world.add_order(order(number, owner))
    world.add_order(order(4, owner, delivery_address=None, invoice_address=None))
    world.add_order(order(5, customer(2).id))

    written, position = world.privacy.anonymise_orders(owner, None, 2)
    assert written == 2 and position is not None
    written, position = world.privacy.anonymise_orders(owner, position, 2)
    assert written == 1 and position is not None
    assert world.privacy.anonymise_orders(owner, position, 2) == (0, None)
    again, _ = world.privacy.anonymise_orders(owner, None, 10)
    assert again == 0

    anonymised = world.order(order(1, owner).id)
    assert anonymised is not None
    expected = {
        "first_name": ERASED,
        "last_name": ERASED,
        "address1": ERASED,
        "city": ERASED,
        "country": "FR",
    }
    assert (anonymised.delivery_address, anonymised.invoice_address) == (expected, expected)
    assert (anonymised.total, anonymised.status, anonymised.lines) == (
        "10.00",
        "delivered",
        order(1, owner).lines,
    )
    untouched = world.order(order(5, customer(2).id).id)
    assert untouched is not None and untouched.delivery_address == ADDRESS


def test_the_customers_carts_and_a_guests_carts_are_found_and_deleted(world: World) -> None:
    owner = customer(1).id
    world.add_cart(cart(1, customer_id=owner, email="ana@example.com"))
    world.add_cart(cart(2, customer_id=owner))
    world.add_cart(cart(3, customer_id=owner))
    world.add_cart(cart(4, email="Ana@Example.com"))
    world.add_cart(cart(5, email="ana@example.com"))
    world.add_cart(cart(6, email="bob@example.com"))

    assert [c.id for c in world.privacy.guest_carts("ANA@example.com", 10)] == [cart(4).id, cart(5).id]
    assert world.privacy.delete_carts(owner, 2) == 2
    assert world.privacy.delete_carts(owner, 2) == 1
    assert world.privacy.delete_carts(owner, 2) == 0
    assert world.privacy.delete_guest_carts("ana@example.com", 10) == 2
    assert world.privacy.guest_carts("ana@example.com", 10) == []
    assert [world.cart(cart(n).id) is None for n in range(1, 7)] == [True] * 5 + [False]


def test_threads_are_found_by_email_and_by_customer_page_by_page(world: World) -> None:
    owner = "01CUST"
    for number in (1, 2, 3):
        open_thread(world, number)
    open_thread(world, 4, customer_id=None, email="ANA@example.com")
    open_thread(world, 5, customer_id="01OTHER", email="bob@example.com")

    assert world.privacy.thread_ids_by_email("ana@EXAMPLE.com", 10) == [thread(n).id for n in (1, 2, 3, 4)]
    first = world.privacy.thread_ids_of(owner, None, 2)
    assert [t for t, _ in first] == [thread(1).id, thread(2).id]
    rest = world.privacy.thread_ids_of(owner, first[-1][1], 2)
    assert [t for t, _ in rest] == [thread(3).id]
    assert world.privacy.thread_ids_of(owner, rest[-1][1], 2) == []


def test_a_thread_is_anonymised_and_a_second_run_only_rewrites_the_thread(world: World) -> None:
    opened = open_thread(world, 1)
    reply = message(opened.id, 50, sender="employee", employee_id="01EMP", email=None, raw_key=None)
    event = ThreadEvent(
        "01EVENT1", opened.id, "forward", FIXED_NOW + timedelta(hours=3), "01EMP", {"to": "x@y.z"}
    )
    world.threads.write(
        ThreadWrite(opened, replace(opened, message_count=2), messages=(reply,), events=(event,))
    )

    assert world.privacy.thread_raw_keys(opened.id) == ["inbound/1"]
    assert world.privacy.anonymise_thread(opened.id) == 4  # the thread, two messages, one event
    assert world.privacy.anonymise_thread(opened.id) == 1  # only the version-checked thread item

    view = world.threads.view(opened.id)
    assert view is not None
    assert (view.thread.email, view.thread.subject, view.thread.version) == (ERASED_EMAIL, ERASED, 4)
    assert {(m.text, m.html, m.email, m.subject, m.attachments, m.raw_key) for m in view.messages} == {
        (ERASED, None, None, ERASED, (), None)
    }
    assert view.events == (replace(event, data={}),)
    assert world.privacy.thread_raw_keys(opened.id) == []
    assert world.privacy.thread_ids_by_email("ana@example.com", 10) == []


def test_the_collection_goes_but_the_profile_stays(world: World) -> None:
    owner = customer(1)
    world.customers.create(owner)
    for minutes in (1, 2, 3):
        world.customers.add_connection(
            owner.id, Connection(FIXED_NOW + timedelta(minutes=minutes), "192.0.2.1")
        )

    assert world.privacy.delete_collection_items(owner.id, 2) == 2
    assert world.privacy.delete_collection_items(owner.id, 10) == 1
    assert world.privacy.delete_collection_items(owner.id, 10) == 0
    assert world.customers.get(owner.id) is not None
