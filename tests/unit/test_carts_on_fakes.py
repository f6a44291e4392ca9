"""Carts, checkout and orders on the in-memory fakes, wired by the real composition root: a guest's
cart, its checkout (cart, order and the new guest customer in one all-or-nothing write), a retried
checkout, and an order's refund moving the customer's total spent — with no table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.carts.schemas import CartLineRequest, CheckoutRequest, CreateCartRequest, OrderStatusRequest
from chalicelib.carts.service import Shopper
from chalicelib.core.errors import ConflictError
from tests.fake_world import FakeWorld, fake_world

World = FakeWorld


@pytest.fixture
def world(tmp_path: Path) -> World:
    return fake_world(tmp_path)


GUEST = CheckoutRequest.model_validate(
    {
        "payment_method": "card",
        "email": "Lea@Example.com",
        "first_name": "Léa",
        "last_name": "Martin",
        "delivery_address": {
            "first_name": "Léa",
            "last_name": "Martin",
            "address1": "1 rue de la Paix",
            "city": "Lyon",
            "postcode": "69001",
            "country": "FR",
        },
    }
)


def test_a_guest_checkout_writes_cart_order_and_guest_once(world: World) -> None:
    created = world.services.carts.create(CreateCartRequest(), Shopper(ip="192.0.2.1"))
    shopper = Shopper(cart_token=created.cart_token, ip="192.0.2.1")
    line = CartLineRequest(quantity=2, unit_price=Decimal("4.50"), product_name="Tea")
    world.services.carts.set_line(created.cart.id, "P1", line, shopper)

    order = world.services.carts.checkout(created.cart.id, GUEST, shopper)

    guest = world.customers.get_by_email("lea@example.com")
    assert guest is not None and guest.is_guest and guest.orders_count == 1
    assert world.orders.orders[order.id].total == "9.00"
    cart = world.carts.carts[created.cart.id]
    assert (cart.status, cart.order_id, cart.customer_id) == ("ordered", order.id, guest.id)
    guests = world.config.entries[("GROUP", "guest")]
    assert guests.count == 1
    # A retried checkout finds the cart ordered: no second order, no second guest.
    with pytest.raises(ConflictError, match="already been checked out"):
        world.services.carts.checkout(created.cart.id, GUEST, shopper)
    assert list(world.orders.orders) == [order.id]
    assert len(world.customers.customers) == 1

    refunded = world.services.orders.change_status(
        order.id, OrderStatusRequest(status="cancelled"), "01EMPLOYEE"
    )
    assert refunded.status == "cancelled" and refunded.version == 2
    after = world.customers.get(guest.id)
    assert after is not None and after.total_spent == "0.00"
