"""Orders, customer side: the customer's history, the back-office list and the status flow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from chalicelib.carts.domain import NOT_SPENT, TRANSITIONS, Order, OrderFilters, StatusChange, money_text
from chalicelib.carts.ports import OrderRepository
from chalicelib.carts.schemas import ListOrdersParams, OrderStatusRequest
from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import ConflictError, DomainError, NotFoundError
from chalicelib.core.observability import logger
from chalicelib.customers.domain import Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.mail.notifications import Notifier
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.service import ConfigService

_ATTEMPTS = 3
STATUS_LABELS = {
    "en": {
        "pending": "awaiting payment",
        "processing": "being prepared",
        "shipped": "shipped",
        "delivered": "delivered",
        "cancelled": "cancelled",
        "refunded": "refunded",
    },
    "fr": {
        "pending": "en attente de paiement",
        "processing": "en cours de préparation",
        "shipped": "expédiée",
        "delivered": "livrée",
        "cancelled": "annulée",
        "refunded": "remboursée",
    },
    "es": {
        "pending": "pendiente de pago",
        "processing": "en preparación",
        "shipped": "enviado",
        "delivered": "entregado",
        "cancelled": "cancelado",
        "refunded": "reembolsado",
    },
}


def spent_delta(before: Order, after: Order) -> Decimal:
    """How a status change moves the customer's total spent: out when an order is cancelled or
    refunded (it never comes back: those statuses are final)."""
    if after.status in NOT_SPENT and before.status not in NOT_SPENT:
        return -Decimal(before.total)
    return Decimal("0")


@dataclass(frozen=True, slots=True)
class OrderService:
    orders: OrderRepository
    customers: CustomerRepository
    config: ConfigService
    notifier: Notifier
    cursors: CursorCodec
    clock: Clock = utc_now

    def get(self, order_id: str, *, owner: str | None = None) -> Order:
        order = self.orders.get(order_id)
        if order is None or (owner is not None and order.customer_id != owner):
            raise NotFoundError("Order not found.")
        return order

    def list_page(self, params: ListOrdersParams) -> tuple[list[Order], str | None]:
        filters = OrderFilters(customer_id=params.customer_id, status=params.status)
        scope = f"orders|{filters.customer_id}|{filters.status}"
        page = self.orders.list_page(filters, params.limit, self.cursors.decode(params.cursor, scope))
        return page.items, self.cursors.encode(page.next_position, scope)

    def mine(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Order], str | None]:
        scope = f"my-orders|{customer_id}"
        filters = OrderFilters(customer_id=customer_id)
        page = self.orders.list_page(filters, limit, self.cursors.decode(cursor, scope))
        return page.items, self.cursors.encode(page.next_position, scope)

    def for_customer(self, customer_id: str, limit: int = 20) -> list[Order]:
        return self.orders.list_page(OrderFilters(customer_id=customer_id), limit, None).items

    def change_status(self, order_id: str, request: OrderStatusRequest, employee_id: str) -> Order:
        """Move an order along the status flow, with its history entry and, for cancellations and
        refunds, the customer's total spent — in one transaction.

        Raises: NotFoundError, ConflictError (not allowed from the current status, or a race)."""
        for attempt in range(1, _ATTEMPTS + 1):
            before = self.get(order_id)
            if request.status not in TRANSITIONS[before.status]:
                raise ConflictError(f"An order can't go from {before.status} to {request.status}.")
            now = self.clock()
            change = StatusChange(request.status, now, employee_id, request.note, request.notify)
            after = replace(before, status=request.status, history=(*before.history, change), updated_at=now)
            customer = self.customers.get(before.customer_id)
            customer_after = self._with_spent(customer, spent_delta(before, after))
            try:
                self.orders.change_status(before, after, customer, customer_after)
            except TransactionCancelledError as conflict:
                if conflict.reasons == {"customer"} and attempt < _ATTEMPTS:
                    continue
                raise ConflictError("The order was changed by someone else; reload and try again.") from None
            after = replace(after, version=before.version + 1)
            logger.info("order status changed", order_id=order_id, status=request.status)
            if request.notify and customer is not None:
                self._notify(after, customer)
            return after
        raise ConflictError(
            "The order was changed by someone else; reload and try again."
        )  # pragma: no cover

    @staticmethod
    def _with_spent(customer: Customer | None, delta: Decimal) -> Customer | None:
        if customer is None or not delta:
            return None
        spent = max(Decimal(customer.total_spent) + delta, Decimal("0"))
        return replace(customer, total_spent=money_text(spent))

    def _notify(self, order: Order, customer: Customer) -> None:
        """One mail per status change (the history entry's position is the event). The change is
        already stored: a mail that can't go out is logged, not turned into a failed request."""
        labels = STATUS_LABELS.get(customer.language, STATUS_LABELS["en"])
        settings = self.config.settings()
        context = {
            "order_ref": order.id[-8:],
            "status_label": labels[order.status],
            "note": order.history[-1].note or "",
            "total": order.total,
            "currency": order.currency,
            "link": f"{settings.storefront_url.rstrip('/')}/account/orders/{order.id}",
        }
        try:
            self.notifier.send_to_customer(
                f"order-status:{order.id}:{len(order.history)}", customer, "order_status", context
            )
        except DomainError:
            logger.warning("order status mail not sent", order_id=order.id)
