"""Groups, membership, pricing, contacts and order messages through the routes (moto)."""

from __future__ import annotations

import pytest

from tests.factories import customer_body
from tests.integration.conftest import Api

VIP = {
    "name": "VIP",
    "names": {"fr": "VIP", "es": "VIP"},
    "reduction_percent": "10",
    "price_display": "tax_excl",
    "category_reductions": [{"category_id": "shoes", "reduction_percent": "25.5"}],
}


def new_customer(admin: Api, **fields: object) -> dict:
    status, body = admin.json("POST", "/admin/customers", customer_body(**fields))
    assert status == 201, body
    return body


def group(admin: Api, gid: str) -> dict:
    return admin.json("GET", f"/admin/groups/{gid}")[1]


# -- groups ---------------------------------------------------------------------------------------
def test_default_groups_exist_and_cannot_be_deleted(admin: Api) -> None:
    status, page = admin.json("GET", "/admin/groups")
    assert status == 200
    assert [g["id"] for g in page["items"]] == ["customer", "guest", "visitor"]
    assert group(admin, "guest")["names"]["fr"] == "Invité"
    for default in ("visitor", "guest", "customer"):
        status, body = admin.json("DELETE", f"/admin/groups/{default}")
        assert (status, body["Code"]) == (422, "DefaultGroup")


def test_group_crud_and_validation(admin: Api) -> None:
    status, vip = admin.json("POST", "/admin/groups", VIP)
    assert status == 201, vip
    assert (vip["reduction_percent"], vip["category_reductions"][0]["reduction_percent"]) == (
        "10.00",
        "25.50",
    )
    status, changed = admin.json("PATCH", f"/admin/groups/{vip['id']}", {"show_prices": False})
    assert status == 200 and changed["show_prices"] is False and changed["reduction_percent"] == "10.00"
    for bad in (
        {"reduction_percent": "100.5"},
        {"reduction_percent": -1},
        {"price_display": "maybe"},
        {"category_reductions": [{"category_id": "x", "reduction_percent": 5}] * 2},
        {"category_reductions": [{"category": "x"}]},
        {"names": {"de": "VIP"}},
    ):
        assert admin.json("POST", "/admin/groups", VIP | bad)[0] == 400, bad
    assert admin.json("PATCH", f"/admin/groups/{vip['id']}", {"name": None})[0] == 400
    assert admin.json("GET", "/admin/groups/nope")[0] == 404
    assert admin.json("PATCH", "/admin/groups/nope", {"show_prices": True})[0] == 404
    assert admin.json("DELETE", "/admin/groups/nope")[0] == 404
    assert admin.call("DELETE", f"/admin/groups/{vip['id']}").status_code == 204


def test_membership_counts_and_listing(admin: Api) -> None:
    vip = admin.json("POST", "/admin/groups", VIP)[1]
    first, second = new_customer(admin), new_customer(admin)
    for _ in range(2):  # adding twice is idempotent
        status, body = admin.json("PUT", f"/admin/groups/{vip['id']}/members/{first['id']}")
        assert status == 200 and vip["id"] in body["group_ids"]
    admin.json("PUT", f"/admin/groups/{vip['id']}/members/{second['id']}")
    assert group(admin, vip["id"])["member_count"] == 2
    status, page = admin.json("GET", f"/admin/groups/{vip['id']}/members?limit=1")
    assert status == 200 and len(page["items"]) == 1 and page["next_cursor"]
    _, rest = admin.json("GET", f"/admin/groups/{vip['id']}/members?limit=1&cursor={page['next_cursor']}")
    assert {page["items"][0]["id"], rest["items"][0]["id"]} == {first["id"], second["id"]}
    _, view = admin.json("GET", f"/admin/customers/{first['id']}")
    assert [g["name"] for g in view["groups"]] == ["Customer", "VIP"]
    _, filtered = admin.json("GET", f"/admin/customers?group_id={vip['id']}")
    assert len(filtered["items"]) == 2
    assert admin.call("DELETE", f"/admin/groups/{vip['id']}/members/{first['id']}").status_code == 204
    assert admin.call("DELETE", f"/admin/groups/{vip['id']}/members/{first['id']}").status_code == 204
    assert group(admin, vip["id"])["member_count"] == 1
    assert group(admin, "customer")["member_count"] == 2
    status, body = admin.json("DELETE", f"/admin/groups/customer/members/{first['id']}")
    assert (status, body["Code"]) == (422, "RuleViolation")  # the only group left
    assert admin.json("PUT", f"/admin/groups/nope/members/{first['id']}")[0] == 404
    assert admin.json("PUT", f"/admin/groups/{vip['id']}/members/nope")[0] == 404


def test_deleting_a_group_with_members(admin: Api) -> None:
    vip = admin.json("POST", "/admin/groups", VIP)[1]
    member = new_customer(admin, group_ids=[vip["id"]], default_group_id=vip["id"])
    status, body = admin.json("DELETE", f"/admin/groups/{vip['id']}")
    assert (status, body["Code"]) == (422, "GroupHasMembers") and "1 member" in body["Message"]
    assert admin.json("DELETE", f"/admin/groups/{vip['id']}?reassign_to=nope")[0] == 400
    assert admin.call("DELETE", f"/admin/groups/{vip['id']}?reassign_to=customer").status_code == 204
    _, moved = admin.json("GET", f"/admin/customers/{member['id']}")
    assert (
        moved["profile"]["group_ids"] == ["customer"] and moved["profile"]["default_group_id"] == "customer"
    )
    assert group(admin, "customer")["member_count"] == 1


# -- pricing --------------------------------------------------------------------------------------
def test_pricing_for_visitors_customers_and_staff(admin: Api, anonymous: Api) -> None:
    vip = admin.json("POST", "/admin/groups", VIP)[1]
    status, visitor = anonymous.json("GET", "/store/pricing?category_id=shoes")
    assert status == 200 and (visitor["group_id"], visitor["reduction_percent"]) == ("visitor", "0.00")
    session = anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "A", "last_name": "B", "email": "vip@example.com", "password": "Correct-horse-42"},
    )[1]
    customer_id = session["customer"]["id"]
    admin.json("PUT", f"/admin/groups/{vip['id']}/members/{customer_id}")
    admin.json("PATCH", f"/admin/customers/{customer_id}", {"default_group_id": vip["id"]})
    me = Api(anonymous.client, session["token"])
    _, shoes = me.json("GET", "/store/pricing?category_id=shoes")
    assert (shoes["reduction_percent"], shoes["reduction_source"], shoes["price_display"]) == (
        "25.50",
        "category",
        "tax_excl",
    )
    _, hats = me.json("GET", "/store/pricing?category_id=hats")
    assert (hats["reduction_percent"], hats["reduction_source"]) == ("10.00", "group")
    _, staff_view = admin.json("GET", f"/store/pricing?customer_id={customer_id}&category_id=shoes")
    assert staff_view["reduction_percent"] == "25.50"
    assert anonymous.json("GET", f"/store/pricing?customer_id={customer_id}")[0] == 401
    other = new_customer(admin)
    assert me.json("GET", f"/store/pricing?customer_id={other['id']}")[0] == 403
    assert admin.json("GET", "/store/pricing?customer_id=nope")[0] == 404


def test_group_restrictions_are_edited_on_the_group_and_returned_by_pricing(
    admin: Api, support: Api, anonymous: Api
) -> None:
    body = {"name": "B2B", "payment_methods": ["wire", " cheque "], "carriers": ["ups"]}
    status, b2b = admin.json("POST", "/admin/groups", body)
    assert status == 201, b2b
    assert (b2b["payment_methods"], b2b["carriers"]) == (["wire", "cheque"], ["ups"])
    assert group(admin, "customer")["payment_methods"] == []
    status, vip = admin.json("POST", "/admin/groups", {"name": "VIP", "payment_methods": ["card", "wire"]})
    assert status == 201
    customer = new_customer(admin)
    admin.json("PUT", f"/admin/groups/{b2b['id']}/members/{customer['id']}")
    admin.json("DELETE", f"/admin/groups/customer/members/{customer['id']}")
    pricing_path = f"/store/pricing?customer_id={customer['id']}"
    _, pricing = admin.json("GET", pricing_path)
    assert (pricing["allowed_payment_methods"], pricing["allowed_carriers"]) == (["wire", "cheque"], ["ups"])
    # Any group allowing a method is enough; a group without a carrier restriction allows every carrier.
    admin.json("PUT", f"/admin/groups/{vip['id']}/members/{customer['id']}")
    _, pricing = admin.json("GET", pricing_path)
    assert pricing["allowed_payment_methods"] == ["wire", "cheque", "card"]
    assert pricing["allowed_carriers"] is None
    # An empty list lifts the restriction; a visitor gets the visitor group's (none by default).
    status, cleared = admin.json("PATCH", f"/admin/groups/{b2b['id']}", {"payment_methods": []})
    assert status == 200 and cleared["payment_methods"] == [] and cleared["carriers"] == ["ups"]
    assert admin.json("GET", pricing_path)[1]["allowed_payment_methods"] is None
    assert anonymous.json("GET", "/store/pricing")[1]["allowed_carriers"] is None
    admin.json("PATCH", "/admin/groups/visitor", {"carriers": ["pickup"]})
    assert anonymous.json("GET", "/store/pricing")[1]["allowed_carriers"] == ["pickup"]
    too_many = [f"m{i}" for i in range(101)]
    for bad in ({"carriers": [""]}, {"carriers": ["x" * 65]}, {"payment_methods": too_many}):
        status, error = admin.json("PATCH", f"/admin/groups/{b2b['id']}", bad)
        assert status == 400 and "Fields" in error, (bad, error)
    assert admin.json("PATCH", f"/admin/groups/{b2b['id']}", {"carriers": None})[0] == 400
    assert support.json("PATCH", f"/admin/groups/{b2b['id']}", {"carriers": ["dhl"]})[0] == 403
    assert anonymous.json("PATCH", f"/admin/groups/{b2b['id']}", {"carriers": ["dhl"]})[0] == 401
    assert admin.json("PATCH", "/admin/groups/nope", {"carriers": ["dhl"]})[0] == 404


# -- contacts and order messages ------------------------------------------------------------------
def test_contacts(admin: Api, anonymous: Api) -> None:
    status, public = anonymous.json("GET", "/store/contacts?language=es")
    assert status == 200
    assert [c["name"] for c in public["items"]] == ["Servicio al cliente", "Webmaster"]
    assert set(public["items"][0]) == {"id", "name", "description"}
    status, sales = admin.json("POST", "/admin/contacts", {"name": "Sales", "email": "sales@example.com"})
    assert status == 201 and sales["save_messages"] is True and sales["thread_count"] == 0
    admin.json("PATCH", f"/admin/contacts/{sales['id']}", {"hidden": True})
    assert "Sales" not in [c["name"] for c in anonymous.json("GET", "/store/contacts")[1]["items"]]
    assert admin.json("POST", "/admin/contacts", {"name": "X", "email": "nope"})[0] == 400
    assert admin.json("GET", "/admin/contacts/nope")[0] == 404
    assert admin.call("DELETE", f"/admin/contacts/{sales['id']}").status_code == 204
    assert admin.json("DELETE", f"/admin/contacts/{sales['id']}")[0] == 404


def test_order_messages(admin: Api, support: Api) -> None:
    body = {
        "name": "Delay",
        "message": "Your order is delayed.",
        "messages": {"fr": "Votre commande est retardée."},
    }
    status, created = admin.json("POST", "/admin/order-messages", body)
    assert status == 201 and created["messages"]["fr"].startswith("Votre")
    assert support.json("GET", "/admin/order-messages")[1]["items"][0]["name"] == "Delay"
    assert support.json("POST", "/admin/order-messages", body)[0] == 403
    assert admin.json("PATCH", f"/admin/order-messages/{created['id']}", {"message": ""})[0] == 400
    assert (
        admin.json("PATCH", f"/admin/order-messages/{created['id']}", {"name": "Late"})[1]["name"] == "Late"
    )
    assert admin.call("DELETE", f"/admin/order-messages/{created['id']}").status_code == 204
    assert admin.json("GET", f"/admin/order-messages/{created['id']}")[0] == 404


@pytest.mark.parametrize("path", ["/admin/groups", "/admin/contacts", "/admin/order-messages"])
def test_support_reads_configuration_but_cannot_change_it(support: Api, path: str) -> None:
    assert support.json("GET", path)[0] == 200
    assert support.json("POST", path, {"name": "x"})[0] == 403
