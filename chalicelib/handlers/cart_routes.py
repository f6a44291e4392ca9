"""Carts and orders: storefront cart and checkout, own orders, back-office carts and orders. The
abandoned-cart sweep is in carts.py (its Lambda function imports that module, not this one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from chalice.app import Blueprint
from pydantic import StringConstraints, TypeAdapter, ValidationError

from chalicelib.carts.schemas import (
    CartLineRequest,
    CartLineResponse,
    CartListResponse,
    CartResponse,
    CartTotalsResponse,
    CheckoutRequest,
    CreateCartRequest,
    ListCartsParams,
    ListOrdersParams,
    MyOrderListResponse,
    MyOrdersParams,
    OrderListResponse,
    OrderResponse,
    OrderStatusRequest,
)
from chalicelib.core.errors import NotFoundError
from chalicelib.handlers.http import (
    ADMIN,
    CUSTOMER,
    SHOPPER,
    STAFF,
    AnyCall,
    AuthenticatedCall,
    Call,
    NoBody,
    NoQuery,
    Routes,
    RouteSpec,
)
from chalicelib.wiring import container

if TYPE_CHECKING:
    from chalicelib.carts.service import PricedCart, Shopper

cart_routes = Blueprint(__name__)
api = Routes(cart_routes)

ProductId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
_PRODUCT_ID: TypeAdapter[str] = TypeAdapter(ProductId)


def _shopper(call: AnyCall) -> Shopper:
    from chalicelib.carts.service import Shopper  # loads with the feature's first call, not at cold start

    return Shopper(
        customer_id=call.principal.subject_id if call.principal else None,
        cart_token=call.request.headers.get("x-cart-token"),
        ip=call.source_ip,
    )


def cart_response(priced: PricedCart, *, staff: bool = False) -> CartResponse:
    """The cart with its priced lines and totals; the reminder and its voucher only for staff."""
    hidden = {} if staff else {"reminded_at": None, "voucher_code": None}
    return CartResponse.model_validate(
        CartResponse.read_from(
            priced,
            priced.cart,
            lines=[CartLineResponse.read_from(line, line.line) for line in priced.totals.lines],
            totals=CartTotalsResponse.read_from(priced.totals, priced),
            **hidden,
        )
    )


def _product_id(value: str) -> str:
    try:
        return _PRODUCT_ID.validate_python(value)
    except ValidationError:
        # An id no cart line can have: nothing to change, like a cart that doesn't exist.
        raise NotFoundError("Product line not found.") from None


# -- storefront ------------------------------------------------------------------------------
@api.post(
    "/store/carts",
    RouteSpec(
        "Start a cart (guest: keep the returned cart_token and send it as X-Cart-Token)",
        SHOPPER,
        body=CreateCartRequest,
        optional_body=True,
        response=CartResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: cart_response(
            container().carts.replay_created(stored.id(), _shopper(call))
        ),
    ),
)
def create_cart(call: Call[CreateCartRequest, NoQuery]) -> CartResponse:
    return cart_response(container().carts.create(call.body, _shopper(call)))


@api.get("/store/carts/{cart_id}", RouteSpec("A cart with its totals", SHOPPER, response=CartResponse))
def get_cart(call: Call, cart_id: str) -> CartResponse:
    return cart_response(container().carts.get(cart_id, _shopper(call)))


@api.put(
    "/store/carts/{cart_id}/lines/{product_id}",
    RouteSpec(
        "Set a line's quantity (0 removes it); the shop's server only (X-Storefront-Key)",
        SHOPPER,
        body=CartLineRequest,
        response=CartResponse,
        # Prices and names come from the caller: only the shop's server may write them.
        storefront_key=True,
    ),
)
def set_cart_line(call: Call[CartLineRequest, NoQuery], cart_id: str, product_id: str) -> CartResponse:
    priced = container().carts.set_line(cart_id, _product_id(product_id), call.body, _shopper(call))
    return cart_response(priced)


@api.post(
    "/store/carts/{cart_id}/checkout",
    RouteSpec(
        "Check the cart out into an order (once, retry-safe with Idempotency-Key); shop server only",
        SHOPPER,
        body=CheckoutRequest,
        response=OrderResponse,
        status=201,
        idempotent=True,
        storefront_key=True,
        replay=lambda call, stored, cart_id: OrderResponse.model_validate(
            container().orders.get(stored.id())
        ),
    ),
)
def checkout(call: Call[CheckoutRequest, NoQuery], cart_id: str) -> OrderResponse:
    return OrderResponse.model_validate(container().carts.checkout(cart_id, call.body, _shopper(call)))


@api.get(
    "/store/me/orders",
    RouteSpec(
        "My orders, newest first, with their status history",
        CUSTOMER,
        query=MyOrdersParams,
        response=MyOrderListResponse,
    ),
)
def my_orders(call: AuthenticatedCall[NoBody, MyOrdersParams]) -> MyOrderListResponse:
    items, cursor = container().orders.mine(call.principal.subject_id, call.query.limit, call.query.cursor)
    return MyOrderListResponse.page(items, cursor)


@api.get("/store/me/orders/{order_id}", RouteSpec("One of my orders", CUSTOMER, response=OrderResponse))
def my_order(call: AuthenticatedCall, order_id: str) -> OrderResponse:
    return OrderResponse.model_validate(container().orders.get(order_id, owner=call.principal.subject_id))


# -- back-office -----------------------------------------------------------------------------
@api.get(
    "/admin/carts",
    RouteSpec(
        "Carts, newest activity first (filters: customer_id, status, updated_from, updated_to)",
        STAFF,
        query=ListCartsParams,
        response=CartListResponse,
    ),
)
def list_carts(call: Call[NoBody, ListCartsParams]) -> CartListResponse:
    items, cursor = container().carts.list_page(call.query)
    return CartListResponse.page(items, cursor)


@api.get("/admin/carts/{cart_id}", RouteSpec("A cart with lines and totals", STAFF, response=CartResponse))
def admin_get_cart(call: Call, cart_id: str) -> CartResponse:
    return cart_response(container().carts.admin_get(cart_id), staff=True)


@api.delete("/admin/carts/{cart_id}", RouteSpec("Delete an abandoned cart", ADMIN, status=204))
def delete_cart(call: Call, cart_id: str) -> None:
    container().carts.delete(cart_id)


@api.get(
    "/admin/orders",
    RouteSpec(
        "Orders, newest first (filters: customer_id, status)",
        STAFF,
        query=ListOrdersParams,
        response=OrderListResponse,
    ),
)
def list_orders(call: Call[NoBody, ListOrdersParams]) -> OrderListResponse:
    items, cursor = container().orders.list_page(call.query)
    return OrderListResponse.page(items, cursor)


@api.get(
    "/admin/orders/{order_id}", RouteSpec("An order with its status history", STAFF, response=OrderResponse)
)
def admin_get_order(call: Call, order_id: str) -> OrderResponse:
    return OrderResponse.model_validate(container().orders.get(order_id))


@api.post(
    "/admin/orders/{order_id}/status",
    RouteSpec(
        "Change an order's status (history kept; notify mails the customer once)",
        ADMIN,
        body=OrderStatusRequest,
        response=OrderResponse,
        idempotent=True,
        replay=lambda call, stored, order_id: OrderResponse.model_validate(container().orders.get(order_id)),
    ),
)
def change_order_status(call: AuthenticatedCall[OrderStatusRequest, NoQuery], order_id: str) -> OrderResponse:
    return OrderResponse.model_validate(
        container().orders.change_status(order_id, call.body, call.principal.subject_id)
    )
