"""Cart and order responses (domain objects → API shapes)."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.carts.domain import Cart, Order, money_text
from chalicelib.carts.schemas import (
    CartLineResponse,
    CartResponse,
    CartSummaryResponse,
    CartTotalsResponse,
    OrderResponse,
    OrderSummaryResponse,
    StatusChangeResponse,
)
from chalicelib.carts.service import PricedCart


def cart_response(priced: PricedCart, *, staff: bool = False) -> CartResponse:
    cart, totals = priced.cart, priced.totals
    return CartResponse(
        id=cart.id,
        status=cart.status,
        customer_id=cart.customer_id,
        email=cart.email,
        language=cart.language,
        cart_reminders=cart.cart_reminders,
        lines=[
            CartLineResponse(
                product_id=p.line.product_id,
                product_name=p.line.product_name,
                quantity=p.line.quantity,
                unit_price=str(p.line.unit_price),
                category_id=p.line.category_id,
                attributes=dict(p.line.attributes),
                reduction_percent=str(p.reduction_percent),
                subtotal=money_text(p.subtotal),
                discount=money_text(p.discount),
                total=money_text(p.total),
            )
            for p in totals.lines
        ],
        totals=CartTotalsResponse(
            quantity=totals.quantity,
            subtotal=money_text(totals.subtotal),
            discount=money_text(totals.discount),
            total=money_text(totals.total),
            currency=priced.currency,
            group_id=priced.group_id,
        ),
        created_at=cart.created_at,
        updated_at=cart.updated_at,
        abandoned_at=cart.abandoned_at,
        ordered_at=cart.ordered_at,
        order_id=cart.order_id,
        reminded_at=cart.reminded_at if staff else None,
        voucher_code=cart.voucher_code if staff else None,
        cart_token=priced.cart_token,
    )


def cart_summary(cart: Cart) -> CartSummaryResponse:
    """Without pricing (no group read): the total before group reductions."""
    return CartSummaryResponse(
        id=cart.id,
        status=cart.status,
        customer_id=cart.customer_id,
        lines_count=len(cart.lines),
        quantity=sum(line.quantity for line in cart.lines),
        total=money_text(sum((line.unit_price * line.quantity for line in cart.lines), start=Decimal("0"))),
        created_at=cart.created_at,
        updated_at=cart.updated_at,
        abandoned_at=cart.abandoned_at,
        order_id=cart.order_id,
        reminded_at=cart.reminded_at,
    )


def order_response(order: Order) -> OrderResponse:
    return OrderResponse(
        id=order.id,
        customer_id=order.customer_id,
        cart_id=order.cart_id,
        status=order.status,
        valid=order.valid,
        currency=order.currency,
        payment_method=order.payment_method,
        lines=[dict(line) for line in order.lines],
        subtotal=order.subtotal,
        discount=order.discount,
        voucher_discount=order.voucher_discount,
        total=order.total,
        voucher_code=order.voucher_code,
        delivery_address=order.delivery_address,
        invoice_address=order.invoice_address,
        history=[
            StatusChangeResponse(
                status=change.status,
                at=change.at,
                employee_id=change.employee_id,
                note=change.note,
                notified=change.notified,
            )
            for change in order.history
        ],
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def order_summary(order: Order) -> OrderSummaryResponse:
    return OrderSummaryResponse(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        valid=order.valid,
        currency=order.currency,
        payment_method=order.payment_method,
        total=order.total,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )
