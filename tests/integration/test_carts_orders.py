"""Carts, checkout, orders and the abandoned-cart sweep through the routes (moto, fixed clock)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.carts.repository import DynamoCartRepository
from chalicelib.core.clock import iso
from chalicelib.core.settings import get_settings
from chalicelib.wiring import build_container, container, use_container
from devtools.events import invoke_schedule
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api

PASSWORD = "Correct-horse-42"


@pytest.fixture
def anonymous(shop_server: Api) -> Api:
    """Storefront calls here come from the shop's server with its key: writing cart lines and
    checking out need it (issue 16 §2.1); tests/integration/test_storefront_keys.py covers the rest."""
    return shop_server


@pytest.fixture(autouse=True)
def clock(aws: None, mailbox: MemoryMailer) -> FixedClock:
    """The whole app on one fixed clock (carts' activity times, tokens, the sweep's 'now')."""
    fixed = FixedClock()
    use_container(build_container(get_settings(), mailer=mailbox, clock=fixed))
    return fixed


def sweep(at: Any) -> dict[str, Any]:
    from app import app

    result: dict[str, Any] = invoke_schedule(app, "abandoned-cart-sweep", at)
    return result


def customer(anonymous: Api, email: str = "lea@example.com", **fields: Any) -> tuple[Api, str]:
    body = {"first_name": "Léa", "last_name": "Martin", "email": email, "password": PASSWORD} | fields
    status, session = anonymous.json("POST", "/store/register", body)
    assert status == 201, session
    return anonymous.as_customer(session["token"]), session["customer"]["id"]


def guest_cart(anonymous: Api, **body: Any) -> tuple[str, dict[str, str]]:
    status, cart = anonymous.json("POST", "/store/carts", body or None)
    assert status == 201, cart
    assert cart["cart_token"] and cart["customer_id"] is None
    return cart["id"], {"X-Cart-Token": cart["cart_token"]}


def confirm_reminders(anonymous: Api, mailbox: MemoryMailer, email: str) -> None:
    """The address's owner uses the double opt-in link mailed to it (issue 16 §2.2); the
    confirmation mail is then taken out of the mailbox, so tests count reminders only."""
    mail = next(m for m in reversed(mailbox.sent) if m.to.lower() == email.lower() and CONFIRM_LINK in m.text)
    match = re.search(CONFIRM_LINK.replace("?", r"\?") + r"([A-Za-z0-9_.\-]+)", mail.text)
    assert match, mail.text
    status, body = anonymous.json("POST", "/store/reminders/confirm", {"token": match.group(1)})
    assert status == 200, body
    mailbox.sent.remove(mail)


def reminded_guest_cart(anonymous: Api, mailbox: MemoryMailer, email: str) -> tuple[str, dict[str, str]]:
    """A guest cart asking for reminders, at an address its owner confirmed."""
    cart = guest_cart(anonymous, email=email, cart_reminders=True)
    confirm_reminders(anonymous, mailbox, email)
    return cart


CONFIRM_LINK = "/store/reminders/confirm?token="


def put_line(
    api: Api, cart_id: str, product: str = "sku-1", headers: dict[str, str] | None = None, **line: Any
):  # type: ignore[no-untyped-def]
    body = {"quantity": 1, "unit_price": "10.00", "product_name": "Mug"} | line
    return api.json("PUT", f"/store/carts/{cart_id}/lines/{product}", body, headers=headers or {})


GUEST = {"payment_method": "card", "email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}


# -- carts -------------------------------------------------------------------------------------
def test_guest_cart_lines_and_totals(anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous, email="guest@example.com", cart_reminders=True)
    status, cart = put_line(anonymous, cart_id, "sku-1", token, quantity=2, unit_price="19.90")
    assert status == 200, cart
    status, cart = put_line(anonymous, cart_id, "sku-2", token, quantity=1, unit_price="5")
    assert cart["totals"] == {
        "quantity": 3,
        "subtotal": "44.80",
        "discount": "0.00",
        "total": "44.80",
        "currency": "EUR",
        "group_id": "visitor",
    }
    status, cart = put_line(anonymous, cart_id, "sku-1", token, quantity=0)
    assert [line["product_id"] for line in cart["lines"]] == ["sku-2"]
    status, fetched = anonymous.json("GET", f"/store/carts/{cart_id}", headers=token)
    assert status == 200 and fetched["totals"]["total"] == "5.00" and fetched["cart_token"] is None


def test_guest_cart_isolation(anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)
    _, other_token = guest_cart(anonymous)
    assert anonymous.json("GET", f"/store/carts/{cart_id}")[0] == 404
    assert anonymous.json("GET", f"/store/carts/{cart_id}", headers=other_token)[0] == 404
    forged = {"X-Cart-Token": f"{cart_id}.{other_token['X-Cart-Token'].split('.')[1]}"}
    assert anonymous.json("GET", f"/store/carts/{cart_id}", headers=forged)[0] == 404
    assert put_line(anonymous, cart_id, headers=other_token)[0] == 404
    assert anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=other_token)[0] == 404
    # A signed-in customer doesn't see another customer's cart, nor a guest cart without its token.
    lea, _ = customer(anonymous)
    status, own = lea.json("POST", "/store/carts")
    assert status == 201 and own["cart_token"] is None
    bob, _ = customer(anonymous, "bob@example.com")
    assert bob.json("GET", f"/store/carts/{own['id']}")[0] == 404
    assert lea.json("GET", f"/store/carts/{cart_id}")[0] == 404
    assert anonymous.json("GET", f"/store/carts/{own['id']}")[0] == 404
    assert anonymous.json("GET", "/store/carts/nope", headers=token)[0] == 404


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"unit_price": 19.9}, "unit_price"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({"product_name": ""}, "product_name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_line_validation(anonymous: Api, line: dict[str, Any], field: str) -> None:
    cart_id, token = guest_cart(anonymous)
    status, body = put_line(anonymous, cart_id, "sku-1", token, **line)
    assert status == 400, body
    assert any(key.startswith(field) for key in body["Fields"]), body


def test_at_most_100_lines(anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)
    repository = DynamoCartRepository()
    from dataclasses import replace
    from decimal import Decimal

    from chalicelib.carts.domain import CartLine

    cart = repository.get(cart_id)
    assert cart is not None
    full = tuple(CartLine(f"p{n}", "Thing", 1, Decimal("1")) for n in range(100))
    assert repository.save(cart, replace(cart, lines=full))
    status, body = put_line(anonymous, cart_id, "one-more", token)
    assert (status, body["Code"]) == (422, "RuleViolation")
    assert put_line(anonymous, cart_id, "p5", token, quantity=3)[0] == 200  # changing a line is fine


def test_concurrent_line_updates_one_409_no_lost_line(
    anonymous: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    cart_id, token = guest_cart(anonymous)
    repository = container().carts.carts
    stale = repository.get(cart_id)
    assert put_line(anonymous, cart_id, "first", token)[0] == 200
    # The second writer read the cart before the first one wrote.
    monkeypatch.setattr(repository, "get", lambda _cart_id: stale)
    status, body = put_line(anonymous, cart_id, "second", token)
    assert (status, body["Code"]) == (409, "Conflict")
    monkeypatch.undo()
    status, cart = anonymous.json("GET", f"/store/carts/{cart_id}", headers=token)
    assert [line["product_id"] for line in cart["lines"]] == ["first"]
    assert put_line(anonymous, cart_id, "second", token)[0] == 200  # the retry after reloading works


def test_money_rounding_with_group_and_category_reductions(admin: Api, anonymous: Api) -> None:
    admin.json(
        "PATCH",
        "/admin/groups/customer",
        {
            "reduction_percent": "15",
            "category_reductions": [{"category_id": "books", "reduction_percent": "5.5"}],
        },
    )
    lea, _ = customer(anonymous)
    _, cart = lea.json("POST", "/store/carts")
    put_line(lea, cart["id"], "pen", quantity=3, unit_price="0.335")
    status, priced = put_line(lea, cart["id"], "book", quantity=1, unit_price="12.99", category_id="books")
    assert status == 200, priced
    pen, book = priced["lines"]
    # 3 x 0.335 = 1.005 → 1.01 (half up); 15 % of it = 0.1515 → 0.15; 1.01 - 0.15 = 0.86
    assert (pen["subtotal"], pen["discount"], pen["total"], pen["reduction_percent"]) == (
        "1.01",
        "0.15",
        "0.86",
        "15",
    )
    # 5.5 % of 12.99 = 0.71445 → 0.71
    assert (book["discount"], book["total"]) == ("0.71", "12.28")
    totals = {key: priced["totals"][key] for key in ("subtotal", "discount", "total", "group_id")}
    assert totals == {"subtotal": "14.00", "discount": "0.86", "total": "13.14", "group_id": "customer"}


# -- checkout ----------------------------------------------------------------------------------
def test_customer_checkout_updates_stats_and_addresses(admin: Api, anonymous: Api) -> None:
    lea, lea_id = customer(anonymous)
    status, address = lea.json(
        "POST",
        "/store/me/addresses",
        {"first_name": "Léa", "last_name": "Martin", "address1": "1 rue", "city": "Lyon", "country": "FR"},
    )
    assert status == 201, address
    _, cart = lea.json("POST", "/store/carts")
    put_line(lea, cart["id"], "sku-1", quantity=2, unit_price="12.50")
    status, order = lea.json(
        "POST",
        f"/store/carts/{cart['id']}/checkout",
        {"payment_method": "card", "delivery_address_id": address["id"]},
    )
    assert status == 201, order
    assert order["status"] == "pending" and order["total"] == "25.00" and order["customer_id"] == lea_id
    assert [h["status"] for h in order["history"]] == ["pending"]
    assert (
        order["delivery_address"]["city"] == "Lyon" and order["invoice_address"] == order["delivery_address"]
    )
    _, view = admin.json("GET", f"/admin/customers/{lea_id}")
    assert (view["profile"]["orders_count"], view["stats"]["total_spent"]) == (1, "25.00")
    _, listed = admin.json("GET", "/admin/customers?sort=-id")
    row = next(item for item in listed["items"] if item["id"] == lea_id)
    assert (row["orders_count"], row["total_spent"]) == (1, "25.00")
    _, members = admin.json("GET", "/admin/groups/customer/members")
    assert next(m for m in members["items"] if m["id"] == lea_id)["total_spent"] == "25.00"
    # An address an order used is hidden, not deleted.
    assert lea.json("DELETE", f"/store/me/addresses/{address['id']}")[0] == 204
    _, shown = admin.json("GET", f"/admin/addresses/{address['id']}")
    assert shown["deleted"] is True
    _, cart_after = lea.json("GET", f"/store/carts/{cart['id']}")
    assert (cart_after["status"], cart_after["order_id"]) == ("ordered", order["id"])
    status, body = put_line(lea, cart["id"], "sku-2")
    assert (status, body["Code"]) == (409, "Conflict")


def test_double_checkout_is_409(anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token)
    assert anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)[0] == 201
    status, body = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)
    assert (status, body["Code"]) == (409, "Conflict")
    assert "already" in body["Message"]


def test_checkout_retry_with_idempotency_key_returns_the_same_order(admin: Api, anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token)
    headers = token | {"Idempotency-Key": "checkout-1"}
    first = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=headers)
    again = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=headers)
    assert first[0] == again[0] == 201
    assert first[1]["id"] == again[1]["id"]
    _, orders = admin.json("GET", "/admin/orders")
    assert [o["id"] for o in orders["items"]] == [first[1]["id"]]


def test_guest_checkout_creates_one_guest_customer(admin: Api, anonymous: Api) -> None:
    orders = []
    for _ in range(2):
        cart_id, token = guest_cart(anonymous)
        put_line(anonymous, cart_id, headers=token, unit_price="7.25")
        status, order = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)
        assert status == 201, order
        orders.append(order)
    _, found = admin.json("GET", "/admin/customers?is_guest=1")
    # The second checkout reused the guest without proving the address: its order is the
    # address's, but the guest's stats only count what the guest itself placed (issue 16 §1.1).
    assert [(c["email"], c["orders_count"], c["total_spent"]) for c in found["items"]] == [
        ("guest@example.com", 1, "7.25")
    ]
    assert {o["customer_id"] for o in orders} == {found["items"][0]["id"]}


def test_a_guest_checkout_does_not_borrow_an_existing_guests_prices(admin: Api, anonymous: Api) -> None:
    # An employee put a known guest in a 50 % group; someone typing that guest's address at
    # checkout must not get its prices nor change its stats.
    _, vip = admin.json("POST", "/admin/groups", {"name": "VIP", "reduction_percent": "50"})
    _, guest = admin.json(
        "POST",
        "/admin/customers",
        {
            "first_name": "Gus",
            "last_name": "Guest",
            "email": "guest@example.com",
            "is_guest": True,
            "group_ids": [vip["id"]],
            "default_group_id": vip["id"],
        },
    )
    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token, unit_price="10.00")
    status, order = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)
    assert status == 201, order
    assert (order["discount"], order["total"]) == ("0.00", "10.00")
    _, profile = admin.json("GET", f"/admin/customers/{guest['id']}")
    assert (profile["profile"]["orders_count"], profile["profile"]["total_spent"]) == (0, "0.00")


def test_guest_checkout_rules(admin: Api, anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)
    status, body = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)
    assert (status, body["Message"]) == (422, "The cart is empty.")
    put_line(anonymous, cart_id, headers=token)
    status, body = anonymous.json(
        "POST", f"/store/carts/{cart_id}/checkout", {"payment_method": "card"}, headers=token
    )
    assert status == 400 and set(body["Fields"]) == {"email", "first_name", "last_name"}
    customer(anonymous, "taken@example.com")
    status, body = anonymous.json(
        "POST", f"/store/carts/{cart_id}/checkout", GUEST | {"email": "taken@example.com"}, headers=token
    )
    assert status == 409 and "sign in" in body["Message"]
    admin.json("PATCH", "/admin/settings", {"guest_checkout": False})
    status, body = anonymous.json("POST", f"/store/carts/{cart_id}/checkout", GUEST, headers=token)
    assert status == 403


def test_login_attaches_the_guest_cart(anonymous: Api) -> None:
    customer(anonymous)
    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token)
    body = {"email": "lea@example.com", "password": PASSWORD, "cart_token": token["X-Cart-Token"]}
    status, session = anonymous.json("POST", "/store/login", body)
    assert status == 200 and session["cart_id"] == cart_id
    lea = anonymous.as_customer(session["token"])
    status, cart = lea.json("GET", f"/store/carts/{cart_id}")
    assert status == 200 and cart["customer_id"] == session["customer"]["id"]
    # The guest token no longer opens it.
    assert anonymous.json("GET", f"/store/carts/{cart_id}", headers=token)[0] == 404
    status, session = anonymous.json("POST", "/store/login", body | {"cart_token": "garbage"})
    assert status == 200 and session["cart_id"] is None


# -- orders ------------------------------------------------------------------------------------
def ordered(anonymous: Api, lea: Api, price: str = "30.00") -> str:
    _, cart = lea.json("POST", "/store/carts")
    put_line(lea, cart["id"], unit_price=price)
    status, order = lea.json("POST", f"/store/carts/{cart['id']}/checkout", {"payment_method": "transfer"})
    assert status == 201, order
    return str(order["id"])


ALLOWED = {
    ("pending", "processing"),
    ("pending", "cancelled"),
    ("processing", "shipped"),
    ("processing", "cancelled"),
    ("processing", "refunded"),
    ("shipped", "delivered"),
    ("shipped", "refunded"),
    ("delivered", "refunded"),
}
PATH_TO = {
    "pending": [],
    "processing": ["processing"],
    "shipped": ["processing", "shipped"],
    "delivered": ["processing", "shipped", "delivered"],
    "cancelled": ["cancelled"],
    "refunded": ["processing", "refunded"],
}
STATUSES = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"]


@pytest.mark.parametrize("start", STATUSES)
def test_status_transitions(admin: Api, anonymous: Api, start: str) -> None:
    lea, _ = customer(anonymous)
    for target in STATUSES:
        order_id = ordered(anonymous, lea)
        for step in PATH_TO[start]:
            assert admin.json("POST", f"/admin/orders/{order_id}/status", {"status": step})[0] == 200
        status, body = admin.json(
            "POST", f"/admin/orders/{order_id}/status", {"status": target, "note": "ok"}
        )
        expected = 200 if (start, target) in ALLOWED else 409
        assert status == expected, (start, target, body)
        if status == 200:
            assert body["history"][-1]["status"] == target and body["history"][-1]["note"] == "ok"
            assert body["history"][-1]["employee_id"]


def test_cancel_and_refund_adjust_total_spent_and_history(
    admin: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    lea, lea_id = customer(anonymous)
    first, second = ordered(anonymous, lea, "30.00"), ordered(anonymous, lea, "20.00")
    _, view = admin.json("GET", f"/admin/customers/{lea_id}")
    assert view["profile"]["total_spent"] == "50.00"
    admin.json("POST", f"/admin/orders/{first}/status", {"status": "cancelled"})
    for step in ("processing", "shipped", "refunded"):
        admin.json("POST", f"/admin/orders/{second}/status", {"status": step})
    _, view = admin.json("GET", f"/admin/customers/{lea_id}")
    assert (view["profile"]["orders_count"], view["profile"]["total_spent"]) == (2, "0.00")
    _, order = lea.json("GET", f"/store/me/orders/{second}")
    assert [h["status"] for h in order["history"]] == ["pending", "processing", "shipped", "refunded"]
    assert view["orders"]["valid"] == [] and view["orders"]["invalid_total"] == "50.00"
    assert not mailbox.sent


def test_notify_mails_once_per_change(admin: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    lea, _ = customer(anonymous, language="fr")
    order_id = ordered(anonymous, lea)
    headers = {"Idempotency-Key": "status-1"}
    body = {"status": "processing", "note": "Merci !", "notify": True}
    assert admin.json("POST", f"/admin/orders/{order_id}/status", body, headers=headers)[0] == 200
    assert admin.json("POST", f"/admin/orders/{order_id}/status", body, headers=headers)[0] == 200
    assert len(mailbox.sent) == 1
    mail = mailbox.sent[0]
    assert (
        mail.to == "lea@example.com" and "en cours de préparation" in mail.subject and "Merci !" in mail.text
    )
    assert admin.json("POST", f"/admin/orders/{order_id}/status", body)[0] == 409  # same status again


def test_order_lists_and_my_orders(admin: Api, anonymous: Api) -> None:
    lea, lea_id = customer(anonymous)
    bob, _ = customer(anonymous, "bob@example.com")
    mine = [ordered(anonymous, lea) for _ in range(3)]
    theirs = ordered(anonymous, bob)
    admin.json("POST", f"/admin/orders/{mine[0]}/status", {"status": "processing"})
    _, page = lea.json("GET", "/store/me/orders?limit=2")
    assert len(page["items"]) == 2 and page["next_cursor"]
    _, rest = lea.json("GET", f"/store/me/orders?limit=2&cursor={page['next_cursor']}")
    assert {o["id"] for o in page["items"] + rest["items"]} == set(mine)
    assert lea.json("GET", f"/store/me/orders/{theirs}")[0] == 404
    assert lea.json("GET", f"/store/me/orders?cursor={page['next_cursor']}x")[0] == 400
    _, everything = admin.json("GET", "/admin/orders")
    assert len(everything["items"]) == 4
    _, processing = admin.json("GET", "/admin/orders?status=processing")
    assert [o["id"] for o in processing["items"]] == [mine[0]]
    _, of_lea = admin.json("GET", f"/admin/orders?customer_id={lea_id}&status=pending")
    assert {o["id"] for o in of_lea["items"]} == set(mine[1:])
    assert admin.json("GET", "/admin/orders/nope")[0] == 404
    assert admin.json("GET", "/admin/orders?status=lost")[0] == 400
    # The customer view shows carts and orders, valid and invalid, with totals.
    _, view = admin.json("GET", f"/admin/customers/{lea_id}")
    assert view["orders"]["valid_total"] == "30.00" and len(view["orders"]["invalid"]) == 2
    assert len(view["carts"]) == 3 and {c["status"] for c in view["carts"]} == {"ordered"}


def test_support_reads_but_cannot_change_orders_or_delete_carts(
    admin: Api, support: Api, anonymous: Api
) -> None:
    lea, _ = customer(anonymous)
    order_id = ordered(anonymous, lea)
    assert support.json("GET", f"/admin/orders/{order_id}")[0] == 200
    assert support.json("POST", f"/admin/orders/{order_id}/status", {"status": "processing"})[0] == 403
    assert support.json("DELETE", "/admin/carts/whatever")[0] == 403


# -- back-office carts -------------------------------------------------------------------------
def test_admin_cart_list_filters_and_delete(admin: Api, anonymous: Api, clock: FixedClock) -> None:
    lea, lea_id = customer(anonymous)
    open_ids = []
    for _ in range(5):
        cart_id, token = guest_cart(anonymous)
        put_line(anonymous, cart_id, headers=token)
        open_ids.append(cart_id)
        clock.advance(minutes=1)
    order_id = ordered(anonymous, lea)
    _, listed = admin.json("GET", "/admin/carts?limit=2")
    seen = [c["id"] for c in listed["items"]]
    while listed["next_cursor"]:
        _, listed = admin.json("GET", f"/admin/carts?limit=2&cursor={listed['next_cursor']}")
        seen += [c["id"] for c in listed["items"]]
    assert len(seen) == 6 and len(set(seen)) == 6
    _, open_carts = admin.json("GET", "/admin/carts?status=open")
    assert [c["id"] for c in open_carts["items"]] == list(reversed(open_ids))
    _, ordered_carts = admin.json("GET", f"/admin/carts?customer_id={lea_id}&status=ordered")
    assert [c["order_id"] for c in ordered_carts["items"]] == [order_id]
    start, end = iso(clock.now - timedelta(minutes=3)), iso(clock.now - timedelta(minutes=2))
    _, in_window = admin.json("GET", f"/admin/carts?status=open&updated_from={start}&updated_to={end}")
    assert [c["id"] for c in in_window["items"]] == [open_ids[3], open_ids[2]]
    assert admin.json("GET", "/admin/carts?cursor=forged")[0] == 400
    _, detail = admin.json("GET", f"/admin/carts/{open_ids[0]}")
    assert detail["lines"][0]["product_id"] == "sku-1" and detail["totals"]["total"] == "10.00"
    status, body = admin.json("DELETE", f"/admin/carts/{open_ids[0]}")
    assert (status, body["Code"]) == (422, "RuleViolation")
    assert admin.json("DELETE", "/admin/carts/missing")[0] == 404
    sweep(clock.now + timedelta(hours=2))
    assert admin.json("DELETE", f"/admin/carts/{open_ids[0]}")[0] == 204
    assert admin.json("GET", f"/admin/carts/{open_ids[0]}")[0] == 404


# -- abandoned-cart sweep ----------------------------------------------------------------------
REMIND = {"abandoned_cart": {"remind": True, "idle_minutes": 60, "voucher_percent": "10", "voucher_days": 7}}


def test_sweep_marks_idle_carts_and_mails_one_reminder(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, cart_id, headers=token, quantity=2)
    active_id, active_token = reminded_guest_cart(anonymous, mailbox, "active@example.com")
    clock.advance(minutes=61)
    put_line(anonymous, active_id, headers=active_token)
    event_time = clock.now
    first = sweep(event_time)
    assert (first["abandoned"], first["reminded"], first["carts_read"]) == (1, 1, 1)
    assert sweep(event_time) == first | {"abandoned": 0, "reminded": 0, "carts_read": 0}
    assert len(mailbox.sent) == 1
    mail = mailbox.sent[0]
    assert (
        mail.to == "guest@example.com" and f"/cart/{cart_id}?cart_token={token['X-Cart-Token']}" in mail.text
    )
    _, cart = admin.json("GET", f"/admin/carts/{cart_id}")
    assert cart["status"] == "abandoned" and cart["reminded_at"] and cart["voucher_code"] in mail.text
    assert "for 10% off" in mail.text
    record = DynamoCartRepository().get(cart_id)
    assert record is not None and record.expires_at == event_time + timedelta(days=90)
    _, abandoned = admin.json("GET", "/admin/carts?status=abandoned")
    assert [c["id"] for c in abandoned["items"]] == [cart_id]


def test_voucher_is_single_use(admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, cart_id, headers=token, unit_price="50.00")
    clock.advance(hours=2)
    sweep(clock.now)
    _, cart = admin.json("GET", f"/admin/carts/{cart_id}")
    code = cart["voucher_code"]
    status, order = anonymous.json(
        "POST", f"/store/carts/{cart_id}/checkout", GUEST | {"voucher_code": code.lower()}, headers=token
    )
    assert status == 201, order
    assert (order["voucher_discount"], order["total"], order["voucher_code"]) == ("5.00", "45.00", code)
    other_id, other_token = guest_cart(anonymous)
    put_line(anonymous, other_id, headers=other_token)
    status, body = anonymous.json(
        "POST", f"/store/carts/{other_id}/checkout", GUEST | {"voucher_code": code}, headers=other_token
    )
    assert (status, body["Message"]) == (422, "The voucher code is not valid.")
    status, _ = anonymous.json(
        "POST", f"/store/carts/{other_id}/checkout", GUEST | {"voucher_code": "NOPE1234"}, headers=other_token
    )
    assert status == 422


def test_expired_voucher_is_refused(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    sweep(clock.now)
    code = admin.json("GET", f"/admin/carts/{cart_id}")[1]["voucher_code"]
    clock.advance(days=8)
    status, _ = anonymous.json(
        "POST", f"/store/carts/{cart_id}/checkout", GUEST | {"voucher_code": code}, headers=token
    )
    assert status == 422


def test_sweep_skips_a_cart_touched_between_read_and_write(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    repository = container().sweep.carts
    read = list(repository.idle_open(0, clock.now, 10)) + [
        c for shard in range(1, 4) for c in repository.idle_open(shard, clock.now, 10)
    ]
    assert [c.id for c in read] == [cart_id]
    put_line(anonymous, cart_id, "sku-2", headers=token)  # the customer comes back meanwhile
    monkeypatch.setattr(repository, "idle_open", lambda shard, *_: iter(read if shard == 0 else []))
    result = sweep(clock.now)
    assert (result["abandoned"], result["skipped_changed"]) == (0, 1)
    assert not mailbox.sent
    assert admin.json("GET", f"/admin/carts/{cart_id}")[1]["status"] == "open"


def test_cart_becomes_active_again(admin: Api, anonymous: Api, clock: FixedClock) -> None:
    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    assert sweep(clock.now)["abandoned"] == 1
    status, cart = put_line(anonymous, cart_id, "sku-2", headers=token)
    assert status == 200 and cart["status"] == "open" and cart["abandoned_at"] is None
    record = DynamoCartRepository().get(cart_id)
    assert record is not None and record.expires_at is None
    assert admin.json("GET", "/admin/carts?status=abandoned")[1]["items"] == []


def test_who_gets_a_reminder(admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock) -> None:
    admin.json(
        "PATCH", "/admin/settings", REMIND | {"abandoned_cart": {"remind": True, "voucher_percent": "0"}}
    )
    _, t1 = guest_cart(anonymous)
    _, t2 = guest_cart(anonymous, email="quiet@example.com")
    subscriber, _ = customer(anonymous, "news@example.com", newsletter=True)
    plain, _ = customer(anonymous, "plain@example.com")
    for api, headers in ((anonymous, t1), (anonymous, t2)):
        cart_id = headers["X-Cart-Token"].split(".")[0]
        put_line(api, cart_id, headers=headers)
    for api in (subscriber, plain):
        _, cart = api.json("POST", "/store/carts")
        put_line(api, cart["id"])
    clock.advance(hours=2)
    result = sweep(clock.now)
    assert (result["abandoned"], result["reminded"]) == (4, 1)
    assert [mail.to for mail in mailbox.sent] == ["news@example.com"]
    assert "voucher" not in mailbox.sent[0].text.lower() and "code" not in mailbox.sent[0].text


def test_reminder_owed_by_a_crashed_run_is_sent_by_the_next(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    sweeper = container().sweep

    def crash(*_args: Any) -> bool:
        raise RuntimeError("Lambda died")

    monkeypatch.setattr(type(sweeper), "_remind", crash)  # services are frozen
    with pytest.raises(RuntimeError):
        sweeper.run(clock.now)
    monkeypatch.undo()
    assert not mailbox.sent
    result = sweep(clock.now + timedelta(minutes=15))
    assert (result["abandoned"], result["reminded"]) == (0, 1)
    assert len(mailbox.sent) == 1
    assert sweep(clock.now + timedelta(minutes=30))["reminded"] == 0
    assert len(mailbox.sent) == 1


def test_sweep_stops_before_the_deadline(anonymous: Api, clock: FixedClock) -> None:
    for _ in range(3):
        cart_id, token = guest_cart(anonymous)
        put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    budget = iter([60_000, 60_000, 1_000] + [1_000] * 10)
    result = container().sweep.run(clock.now, lambda: next(budget))
    assert result.stopped_early and result.abandoned == 2
    assert container().sweep.run(clock.now).abandoned == 1


def test_the_schedule_handler_stops_at_the_lambda_deadline(anonymous: Api, clock: FixedClock) -> None:
    from app import app
    from devtools.events import LambdaContext, scheduled_event

    cart_id, token = guest_cart(anonymous)
    put_line(anonymous, cart_id, headers=token)
    clock.advance(hours=2)
    source = next(s for s in app.event_sources if s.name == "abandoned-cart-sweep")
    handler = app.handler_map[source.name]
    event = scheduled_event("abandoned-cart-sweep", clock.now, "event-1", "us-east-1", "000000000000")
    short = LambdaContext("sweep", "request-1", "arn:aws:lambda:us-east-1:0:function:sweep", budget_ms=1_000)
    assert handler(event, short)["stopped_early"] is True
    roomy = LambdaContext(
        "sweep", "request-2", "arn:aws:lambda:us-east-1:0:function:sweep", budget_ms=900_000
    )
    assert handler(event, roomy)["abandoned"] == 1


def test_a_reminded_cart_that_comes_back_is_never_reminded_again(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = reminded_guest_cart(anonymous, mailbox, "guest@example.com")
    codes = set()
    for round_number in range(3):
        put_line(anonymous, cart_id, f"sku-{round_number}", headers=token)
        clock.advance(hours=2)
        assert sweep(clock.now)["abandoned"] == 1
        codes.add(admin.json("GET", f"/admin/carts/{cart_id}")[1]["voucher_code"])
    assert len(mailbox.sent) == 1 and len(codes) == 1


def test_guests_do_not_share_idempotency_keys(anonymous: Api) -> None:
    from types import SimpleNamespace

    from chalicelib.handlers.idempotency import _caller

    def call(ip: str, token: str | None = None) -> Any:
        headers = {"x-cart-token": token} if token else {}
        return SimpleNamespace(principal=None, source_ip=ip, request=SimpleNamespace(headers=headers))

    assert _caller(call("198.51.100.1")) != _caller(call("198.51.100.2"))
    assert _caller(call("198.51.100.1", "cart-a")) != _caller(call("198.51.100.1", "cart-b"))
    assert _caller(call("198.51.100.1", "cart-a")) == _caller(call("203.0.113.7", "cart-a"))
    # Through the routes: a retry (same guest, same key) gets the same cart back.
    first = anonymous.json("POST", "/store/carts", None, headers={"Idempotency-Key": "k-1"})
    again = anonymous.json("POST", "/store/carts", None, headers={"Idempotency-Key": "k-1"})
    assert first[0] == again[0] == 201 and first[1]["id"] == again[1]["id"]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/store/carts/{cart}", None, {"X-Cart-Token": "é.x"}, 404),
        ("GET", "/store/carts/" + "x" * 3000, None, {}, 404),
        ("POST", "/store/carts", "[" * 50_000, {}, 400),
        ("GET", "/admin/carts?updated_from=2026-02-01&updated_to=2026-01-01", None, {}, 400),
        ("GET", "/admin/orders/" + "x" * 3000, None, {}, 404),
    ],
)
def test_bad_input_is_a_4xx(
    admin: Api, anonymous: Api, method: str, path: str, body: Any, headers: dict[str, str], status: int
) -> None:
    cart_id, _ = guest_cart(anonymous)
    api = admin if path.startswith("/admin") else anonymous
    got, answer = api.json(method, path.replace("{cart}", cart_id), body, headers=headers)
    assert got == status, answer


def test_reminder_carts_for_one_address_are_throttled(anonymous: Api) -> None:
    for _ in range(5):
        guest_cart(anonymous, email="victim@example.com", cart_reminders=True)
    status, body = anonymous.json(
        "POST", "/store/carts", {"email": "Victim@Example.com", "cart_reminders": True}
    )
    assert (status, body["Code"]) == (429, "Throttled")
    guest_cart(anonymous, email="victim@example.com")  # without the reminder checkbox: fine
    guest_cart(anonymous, email="other@example.com", cart_reminders=True)


# -- double opt-in for guest reminders (issue 16 §2.2) ---------------------------------------
PHISHING = "Your account is locked: sign in at http://evil.example/verify"


def test_made_up_guest_addresses_get_no_reminder_and_one_ip_is_throttled(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    """Thirty guest carts from one IP with made-up addresses and a phishing text as product name
    used to produce thirty reminder mails."""
    admin.json("PATCH", "/admin/settings", REMIND)
    answers = []
    for number in range(30):
        status, cart = anonymous.json(
            "POST", "/store/carts", {"email": f"victim{number}@example.com", "cart_reminders": True}
        )
        answers.append(status)
        if status == 201:
            put_line(
                anonymous, cart["id"], headers={"X-Cart-Token": cart["cart_token"]}, product_name=PHISHING
            )
    assert answers.count(201) == 10 and set(answers[10:]) == {429}  # per client IP, per day
    # Each address got one confirmation mail, carrying nothing the caller typed.
    assert sorted(m.to for m in mailbox.sent) == sorted(f"victim{n}@example.com" for n in range(10))
    assert all(PHISHING not in m.text and "evil" not in (m.html or "") for m in mailbox.sent)
    mailbox.sent.clear()
    clock.advance(hours=2)
    result = sweep(clock.now)
    assert (result["abandoned"], result["reminded"]) == (10, 0) and mailbox.sent == []


def test_a_confirmed_guest_is_reminded_without_the_callers_product_names(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    cart_id, token = guest_cart(anonymous, email="guest@example.com", cart_reminders=True, language="es")
    [confirmation] = mailbox.sent
    assert "Confirma" in confirmation.subject and confirmation.to == "guest@example.com"
    link = re.search(r"http://127\.0\.0\.1:8000(/store/reminders/confirm\?token=\S+)", confirmation.text)
    assert link, confirmation.text
    # The link's page (what a mail scanner opens) asks first and changes nothing.
    page = anonymous.client.http.get(link.group(1))
    assert page.status_code == 200 and b'<form method="post" action="confirm">' in page.body
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    put_line(anonymous, cart_id, headers=token, quantity=2, unit_price="9.50", product_name=PHISHING)
    clock.advance(hours=2)
    assert sweep(clock.now)["reminded"] == 0  # not confirmed yet
    mailbox.sent.clear()
    posted = anonymous.client.http.post(
        "/store/reminders/confirm",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"token={link.group(1).split('token=')[1]}".encode(),
    )
    assert posted.status_code == 200 and b"confirmed" in posted.body
    second, second_token = guest_cart(anonymous, email="GUEST@example.com", cart_reminders=True)
    assert mailbox.sent == []  # a confirmed address gets no second confirmation mail
    put_line(anonymous, second, headers=second_token, quantity=2, unit_price="9.50", product_name=PHISHING)
    clock.advance(hours=2)
    assert sweep(clock.now)["reminded"] == 1
    [reminder] = mailbox.sent
    assert reminder.to.lower() == "guest@example.com" and "2 \u00d7 9.50 EUR" in reminder.text
    assert PHISHING not in reminder.text and "evil" not in (reminder.html or "")


def test_bad_confirmation_tokens_are_a_400(anonymous: Api) -> None:
    for token in ("", "x", "a.b.c", "é" * 10):
        status, body = anonymous.json("POST", "/store/reminders/confirm", {"token": token})
        assert status == 400, body
    page = anonymous.client.http.get("/store/reminders/confirm?token=forged")
    assert page.status_code == 400 and b"not valid" in page.body
