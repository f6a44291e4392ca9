"""Carts, orders and vouchers: the objects, the money arithmetic and the order status rules.

Money is `Decimal` everywhere and leaves the service as a string with two decimals; each line is
rounded half-up to the cent after its reduction, and totals are sums of rounded lines, so what the
customer sees always adds up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from chalicelib.customers.domain import Customer

CartStatus = Literal["open", "abandoned", "ordered"]
CART_STATUSES: tuple[CartStatus, ...] = ("open", "abandoned", "ordered")
OrderStatus = Literal["pending", "processing", "shipped", "delivered", "cancelled", "refunded"]
ORDER_STATUSES: tuple[OrderStatus, ...] = (
    "pending",
    "processing",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)
MAX_CART_LINES = 100
CENT = Decimal("0.01")
NO_MONEY = Decimal("0.00")

# Which status may follow which (the back-office status form). Cancelling is for orders not yet
# shipped; refunding for orders that were paid (processing onwards).
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    "pending": ("processing", "cancelled"),
    "processing": ("shipped", "cancelled", "refunded"),
    "shipped": ("delivered", "refunded"),
    "delivered": ("refunded",),
    "cancelled": (),
    "refunded": (),
}
# Orders in these statuses don't count in the customer's total spent.
NOT_SPENT: frozenset[OrderStatus] = frozenset({"cancelled", "refunded"})
# "Valid" orders in the customer view (PrestaShop's valid / invalid split): paid and not undone.
VALID: frozenset[OrderStatus] = frozenset({"processing", "shipped", "delivered"})


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    return str(money(value))


@dataclass(frozen=True)
class CartLine:
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal
    category_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cart:
    id: str
    status: CartStatus
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None
    email: str | None = None
    language: str = "en"
    # Consent to one reminder mail about this cart (the storefront's checkbox); customers who
    # subscribed to the newsletter or partner offers are reminded without it.
    cart_reminders: bool = False
    lines: tuple[CartLine, ...] = ()
    abandoned_at: datetime | None = None
    ordered_at: datetime | None = None
    order_id: str | None = None
    # Set when the sweep owes this cart a reminder; cleared once it is sent (or found sent).
    reminder_due: bool = False
    reminded_at: datetime | None = None
    voucher_code: str | None = None
    expires_at: datetime | None = None
    version: int = 0

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None

    @property
    def lines_count(self) -> int:
        return len(self.lines)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_before_reductions(self) -> Decimal:
        """What lists show without pricing the cart (no group read)."""
        return sum((line.unit_price * line.quantity for line in self.lines), start=Decimal("0"))


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    reduction_percent: Decimal
    subtotal: Decimal  # quantity x unit price, to the cent
    discount: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discount: Decimal
    voucher_discount: Decimal
    total: Decimal
    quantity: int


def price_lines(
    lines: tuple[CartLine, ...],
    reduction_for: Callable[[str | None], Decimal],
    voucher_percent: Decimal = Decimal("0"),
) -> Totals:
    """Totals with the group / category reductions (`reduction_for(category_id)`) and an optional
    voucher percentage taken off what remains."""
    # One pass, sums kept as it goes: every cart call prices the cart, most lines without a
    # reduction (no rounding to do for those).
    priced = []
    subtotal = discount = NO_MONEY
    quantity = 0
    for line in lines:
        line_subtotal = money(line.unit_price * line.quantity)
        reduction = reduction_for(line.category_id)
        line_discount = money(line_subtotal * reduction / 100) if reduction else NO_MONEY
        priced.append(
            PricedLine(line, reduction, line_subtotal, line_discount, line_subtotal - line_discount)
        )
        subtotal += line_subtotal
        discount += line_discount
        quantity += line.quantity
    after = subtotal - discount
    voucher_discount = money(after * voucher_percent / 100)
    return Totals(
        tuple(priced),
        money(subtotal),
        money(discount),
        voucher_discount,
        money(after - voucher_discount),
        quantity,
    )


@dataclass(frozen=True)
class StatusChange:
    status: OrderStatus
    at: datetime
    employee_id: str | None = None
    note: str | None = None
    notified: bool = False


@dataclass(frozen=True)
class Order:
    id: str
    customer_id: str
    cart_id: str
    status: OrderStatus
    currency: str
    payment_method: str
    lines: tuple[dict[str, Any], ...]
    subtotal: str
    discount: str
    voucher_discount: str
    total: str
    created_at: datetime
    updated_at: datetime
    history: tuple[StatusChange, ...] = ()
    delivery_address: dict[str, Any] | None = None
    invoice_address: dict[str, Any] | None = None
    voucher_code: str | None = None
    version: int = 0

    @property
    def valid(self) -> bool:
        return self.status in VALID


@dataclass(frozen=True)
class Voucher:
    """A single-use reduction sent with an abandoned-cart reminder."""

    code: str
    cart_id: str
    customer_id: str | None
    percent: Decimal
    valid_until: datetime
    created_at: datetime
    used_by_order: str | None = None


@dataclass(frozen=True)
class CartFilters:
    customer_id: str | None = None
    status: CartStatus | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None


@dataclass(frozen=True)
class OrderFilters:
    customer_id: str | None = None
    status: OrderStatus | None = None


@dataclass(frozen=True)
class CheckoutWrite:
    """Everything one checkout changes, written in one TransactWriteItems."""

    cart_before: Cart
    cart_after: Cart
    order: Order
    customer_before: Customer | None  # None: a guest customer created by this checkout
    customer_after: Customer
    address_ids: tuple[str, ...] = ()
    voucher_code: str | None = None
    now: datetime | None = None
