"""Cart and order contracts (API.md "Carts and orders")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field, StringConstraints, field_validator

from chalicelib.addresses.schemas import AddressRequest
from chalicelib.carts.domain import CartStatus, OrderStatus, money_text
from chalicelib.core.schemas import (
    Email,
    Identifier,
    Language,
    ListResponse,
    PageParams,
    RequestModel,
    ResponseModel,
)

UnitPrice = Annotated[Decimal, Field(ge=0, le=Decimal("10000000"), max_digits=14, decimal_places=6)]
AttributeText = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CustomerRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _decimal_text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _money_text(value: Any) -> Any:
    return money_text(value) if isinstance(value, Decimal) else value


# Money leaves as a string (responses validate from the domain's Decimals): prices and reductions
# as given, amounts with two decimals. A before-validator keeps the documented schema a string.
DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
MoneyText = Annotated[str, BeforeValidator(_money_text)]


class CreateCartRequest(RequestModel):
    email: Email | None = None
    language: Language | None = None
    cart_reminders: bool = False


class CartLineRequest(RequestModel):
    quantity: Annotated[int, Field(ge=0, le=9999, strict=True)]
    unit_price: UnitPrice
    product_name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    category_id: Identifier | None = None
    attributes: dict[AttributeText, AttributeText] = Field(default_factory=dict, max_length=20)

    @field_validator("unit_price", mode="before")
    @classmethod
    def _no_floats(cls, value: Any) -> Any:
        # Money travels as decimal strings; a JSON number would already have lost precision.
        if isinstance(value, float):
            raise ValueError('send money as a decimal string, e.g. "19.90"')
        return value


class CheckoutRequest(RequestModel):
    payment_method: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    delivery_address_id: CustomerRef | None = None
    invoice_address_id: CustomerRef | None = None
    voucher_code: Annotated[str, StringConstraints(min_length=4, max_length=32)] | None = None
    # Guests: who is ordering, and where to (registered customers use their saved addresses).
    email: Email | None = None
    first_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    last_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    delivery_address: AddressRequest | None = None
    invoice_address: AddressRequest | None = None


class ListCartsParams(PageParams):
    customer_id: CustomerRef | None = None
    status: CartStatus | None = None
    updated_from: AwareDatetime | date | None = None
    updated_to: AwareDatetime | date | None = None


class ListOrdersParams(PageParams):
    customer_id: CustomerRef | None = None
    status: OrderStatus | None = None


class MyOrdersParams(PageParams):
    pass


class OrderStatusRequest(RequestModel):
    status: OrderStatus
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    notify: bool = False


# Validates from a priced line read together with its cart line (a comment: a docstring would
# change the published schema).
class CartLineResponse(ResponseModel):
    product_id: str
    product_name: str
    quantity: int
    unit_price: DecimalText
    category_id: str | None
    attributes: dict[str, str]
    reduction_percent: DecimalText
    subtotal: MoneyText
    discount: MoneyText
    total: MoneyText


# Validates from the totals read together with the priced cart (currency, group).
class CartTotalsResponse(ResponseModel):
    quantity: int
    subtotal: MoneyText
    discount: MoneyText
    total: MoneyText
    currency: str
    group_id: str


class CartResponse(ResponseModel):
    id: str
    status: CartStatus
    customer_id: str | None
    email: str | None
    language: str
    cart_reminders: bool
    lines: list[CartLineResponse]
    totals: CartTotalsResponse
    created_at: datetime
    updated_at: datetime
    abandoned_at: datetime | None
    ordered_at: datetime | None
    order_id: str | None
    reminded_at: datetime | None = None
    voucher_code: str | None = None
    cart_token: str | None = None


class CartSummaryResponse(ResponseModel):
    """A cart in lists and in the customer view: no lines, its totals."""

    id: str
    status: CartStatus
    customer_id: str | None
    lines_count: int
    quantity: int
    total: MoneyText = Field(validation_alias="total_before_reductions")
    created_at: datetime
    updated_at: datetime
    abandoned_at: datetime | None
    order_id: str | None
    reminded_at: datetime | None


class StatusChangeResponse(ResponseModel):
    status: OrderStatus
    at: datetime
    employee_id: str | None
    note: str | None
    notified: bool


class OrderResponse(ResponseModel):
    id: str
    customer_id: str
    cart_id: str
    status: OrderStatus
    valid: bool
    currency: str
    payment_method: str
    lines: list[dict[str, Any]]
    subtotal: str
    discount: str
    voucher_discount: str
    total: str
    voucher_code: str | None
    delivery_address: dict[str, Any] | None
    invoice_address: dict[str, Any] | None
    history: list[StatusChangeResponse]
    created_at: datetime
    updated_at: datetime


class OrderSummaryResponse(ResponseModel):
    id: str
    customer_id: str
    status: OrderStatus
    valid: bool
    currency: str
    payment_method: str
    total: str
    created_at: datetime
    updated_at: datetime


class CartListResponse(ListResponse[CartSummaryResponse]):
    pass


class OrderListResponse(ListResponse[OrderSummaryResponse]):
    pass


class MyOrderListResponse(ListResponse[OrderResponse]):
    pass
