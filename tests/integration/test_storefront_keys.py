"""Storefront keys (issue 16 §1.5, §2.1): the admin routes, the key check on cart writes and
checkout, the client IP (X-Buyer-IP with a key, CloudFront-Viewer-Address behind the origin secret)."""

from __future__ import annotations

import pytest

from chalicelib.core.settings import get_settings
from chalicelib.wiring import build_container, container, use_container
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api, storefront_key

PASSWORD = "Correct-horse-42"
LINE = {"quantity": 1, "unit_price": "10.00", "product_name": "Mug"}
GUEST = {"payment_method": "card", "email": "guest@example.com", "first_name": "Gus", "last_name": "Guest"}


@pytest.fixture(autouse=True)
def clock(aws: None, mailbox: MemoryMailer) -> FixedClock:
    fixed = FixedClock()
    use_container(build_container(get_settings(), mailer=mailbox, clock=fixed))
    return fixed


def guest_cart(api: Api) -> tuple[str, dict[str, str]]:
    status, cart = api.json("POST", "/store/carts")
    assert status == 201, cart
    return cart["id"], {"X-Cart-Token": cart["cart_token"]}


def code(result: tuple[int, dict]) -> tuple[int, str]:
    return result[0], result[1]["Code"]


# -- admin routes ------------------------------------------------------------------------------
def test_admin_creates_lists_and_revokes_keys(admin: Api, support: Api) -> None:
    status, created = admin.json("POST", "/admin/storefront-keys", {"name": "Main shop"})
    assert status == 201
    assert created["key"].startswith("csk_") and created["status"] == "active"
    assert set(created) == {"id", "name", "key", "created_at", "revoked_at", "status"}
    status, page = admin.json("GET", "/admin/storefront-keys")
    assert status == 200 and [k["name"] for k in page["items"]] == ["Main shop"]
    assert "key" not in page["items"][0] and "secret_hash" not in page["items"][0]
    status, revoked = admin.json("DELETE", f"/admin/storefront-keys/{created['id']}")
    assert status == 200 and revoked["status"] == "revoked" and revoked["revoked_at"]
    assert admin.json("GET", "/admin/storefront-keys")[1]["items"][0]["status"] == "revoked"
    assert admin.json("DELETE", "/admin/storefront-keys/01NOPE0000000000000000000")[0] == 404
    assert admin.json("POST", "/admin/storefront-keys", {"name": ""})[0] == 400
    assert support.json("GET", "/admin/storefront-keys")[0] == 403
    assert support.json("POST", "/admin/storefront-keys", {"name": "x"})[0] == 403


def test_the_key_is_stored_hashed(admin: Api) -> None:
    _, created = admin.json("POST", "/admin/storefront-keys", {"name": "Main shop"})
    stored = container().storefront_keys.list()[0]
    assert created["key"].split("_", 2)[2] not in repr(stored)


# -- the key check on cart writes and checkout ---------------------------------------------------
def test_cart_lines_need_a_valid_key_in_addition_to_the_cart_token(admin: Api, anonymous: Api) -> None:
    cart_id, token = guest_cart(anonymous)  # creating and reading carts stays open to browsers
    path = f"/store/carts/{cart_id}/lines/sku-1"
    assert code(anonymous.json("PUT", path, LINE, headers=token)) == (401, "StorefrontKeyRequired")
    unknown = {"X-Storefront-Key": "csk_01NOPE0000000000000000000_" + "a" * 43}
    assert code(anonymous.json("PUT", path, LINE, headers=token | unknown)) == (401, "InvalidStorefrontKey")
    garbage = {"X-Storefront-Key": "0.01"}
    assert code(anonymous.json("PUT", path, LINE, headers=token | garbage)) == (401, "InvalidStorefrontKey")
    _, created = admin.json("POST", "/admin/storefront-keys", {"name": "Main shop"})
    key = {"X-Storefront-Key": created["key"]}
    forged = {"X-Storefront-Key": created["key"][:-4] + "AAAA"}
    assert code(anonymous.json("PUT", path, LINE, headers=token | forged)) == (401, "InvalidStorefrontKey")
    assert anonymous.json("PUT", path, LINE, headers=token | key)[0] == 200
    # The key is the shop's server; the cart's own credential is still needed.
    assert anonymous.json("PUT", path, LINE, headers=key)[0] == 404
    admin.json("DELETE", f"/admin/storefront-keys/{created['id']}")
    assert code(anonymous.json("PUT", path, LINE, headers=token | key)) == (403, "StorefrontKeyRevoked")


def test_checkout_needs_a_valid_key_checked_before_anything_else(anonymous: Api) -> None:
    key = {"X-Storefront-Key": storefront_key()}
    cart_id, token = guest_cart(anonymous)
    assert anonymous.json("PUT", f"/store/carts/{cart_id}/lines/sku-1", LINE, headers=token | key)[0] == 200
    path = f"/store/carts/{cart_id}/checkout"
    assert code(anonymous.json("POST", path, GUEST, headers=token)) == (401, "StorefrontKeyRequired")
    # Before the cart credential and the body are looked at: no hint whether the cart exists.
    assert code(anonymous.json("POST", "/store/carts/nope/checkout", "{bad")) == (
        401,
        "StorefrontKeyRequired",
    )
    assert anonymous.json("POST", path, GUEST, headers=token | key)[0] == 201


def test_a_signed_in_customer_also_needs_the_shop_key(anonymous: Api) -> None:
    _, session = anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "Léa", "last_name": "Martin", "email": "lea@example.com", "password": PASSWORD},
    )
    lea = anonymous.as_customer(session["token"])
    _, cart = lea.json("POST", "/store/carts")
    path = f"/store/carts/{cart['id']}/lines/sku-1"
    assert code(lea.json("PUT", path, LINE)) == (401, "StorefrontKeyRequired")
    assert lea.json("PUT", path, LINE, headers={"X-Storefront-Key": storefront_key()})[0] == 200


# -- the client's IP -----------------------------------------------------------------------------
def _last_ip(admin: Api, customer_id: str) -> str:
    _, view = admin.json("GET", f"/admin/customers/{customer_id}")
    return str(view["last_connections"][0]["ip"])


def _register(api: Api) -> str:
    body = {"first_name": "Léa", "last_name": "Martin", "email": "lea@example.com", "password": PASSWORD}
    status, session = api.json("POST", "/store/register", body)
    assert status == 201, session
    return str(session["customer"]["id"])


def _login(api: Api, password: str = PASSWORD, **headers: str) -> int:
    body = {"email": "lea@example.com", "password": password}
    return int(api.json("POST", "/store/login", body, headers=headers)[0])


def test_the_shop_server_names_the_buyer_ip(admin: Api, anonymous: Api) -> None:
    customer_id = _register(anonymous)
    server = Api(anonymous.client, headers={"X-Storefront-Key": storefront_key()})
    assert _login(server, **{"X-Buyer-IP": "2001:DB8::7"}) == 200
    assert _last_ip(admin, customer_id) == "2001:db8::7"
    assert _login(server, **{"X-Buyer-IP": "not-an-ip"}) == 200  # malformed: the server's own IP
    assert _last_ip(admin, customer_id) == "127.0.0.1"
    # Without a key the header is the caller's word only, and so is X-Forwarded-For.
    assert _login(anonymous, **{"X-Buyer-IP": "198.51.100.1", "X-Forwarded-For": "198.51.100.2"}) == 200
    assert _last_ip(admin, customer_id) == "127.0.0.1"
    bad = Api(anonymous.client, headers={"X-Storefront-Key": "csk_wrong"})
    assert _login(bad) == 401  # a key that is sent is checked: a misconfigured server sees it


def test_one_shoppers_wrong_passwords_do_not_block_the_others_behind_the_shop_server(
    anonymous: Api,
) -> None:
    _register(anonymous)
    server = Api(anonymous.client, headers={"X-Storefront-Key": storefront_key()})
    for _ in range(5):
        assert _login(server, "Wrong-password-1", **{"X-Buyer-IP": "203.0.113.9"}) == 401
    assert _login(server, **{"X-Buyer-IP": "203.0.113.9"}) == 429
    assert _login(server, **{"X-Buyer-IP": "192.0.2.44"}) == 200  # the owner, elsewhere


@pytest.fixture
def behind_cloudfront(mailbox: MemoryMailer, clock: FixedClock) -> str:
    secret = "origin-secret-for-tests-0123456789"
    settings = get_settings().model_copy(update={"origin_secret": secret})
    use_container(build_container(settings, mailer=mailbox, clock=clock))
    return secret


def test_behind_cloudfront_the_origin_header_is_required(anonymous: Api, behind_cloudfront: str) -> None:
    assert code(anonymous.json("POST", "/store/carts")) == (403, "OriginRequired")
    wrong = {"X-Clientele-Origin-Verify": "guess"}
    assert code(anonymous.json("POST", "/store/carts", headers=wrong)) == (403, "OriginRequired")
    assert code(anonymous.json("POST", "/admin/login", {"email": "a@b.c", "password": "x"})) == (
        403,
        "OriginRequired",
    )
    through = {"X-Clientele-Origin-Verify": behind_cloudfront}
    assert anonymous.json("POST", "/store/carts", headers=through)[0] == 201
    assert anonymous.client.http.get("/openapi.json").status_code == 200


def test_behind_cloudfront_the_viewer_address_is_the_client(
    admin: Api, anonymous: Api, behind_cloudfront: str
) -> None:
    through = {"X-Clientele-Origin-Verify": behind_cloudfront}
    shopper = Api(anonymous.client, headers=through)
    customer_id = _register(shopper)
    assert _login(shopper, **{"CloudFront-Viewer-Address": "2001:db8::5:51234"}) == 200
    admin_through = Api(admin.client, admin.token, through)
    assert _last_ip(admin_through, customer_id) == "2001:db8::5"
    assert _login(shopper, **{"CloudFront-Viewer-Address": "198.51.100.4:443"}) == 200
    assert _last_ip(admin_through, customer_id) == "198.51.100.4"


def test_trusted_proxy_none_ignores_the_viewer_address_even_behind_cloudfront(
    admin: Api, anonymous: Api, behind_cloudfront: str
) -> None:
    through = {"X-Clientele-Origin-Verify": behind_cloudfront}
    admin_through = Api(admin.client, admin.token, through)
    assert admin_through.json("GET", "/admin/settings")[1]["trusted_proxy"] == "cloudfront"
    assert admin_through.json("PATCH", "/admin/settings", {"trusted_proxy": "none"})[0] == 200
    assert admin_through.json("PATCH", "/admin/settings", {"trusted_proxy": "anyone"})[0] == 400
    shopper = Api(anonymous.client, headers=through)
    customer_id = _register(shopper)
    assert _login(shopper, **{"CloudFront-Viewer-Address": "198.51.100.4:443"}) == 200
    assert _last_ip(admin_through, customer_id) == "127.0.0.1"


def test_without_an_origin_secret_the_viewer_address_is_ignored(admin: Api, anonymous: Api) -> None:
    customer_id = _register(anonymous)
    assert _login(anonymous, **{"CloudFront-Viewer-Address": "198.51.100.4:443"}) == 200
    assert _last_ip(admin, customer_id) == "127.0.0.1"
