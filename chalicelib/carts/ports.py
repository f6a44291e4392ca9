"""What the carts services (carts, checkout, the abandoned-cart sweep, orders) and the features that
read carts and orders (the personal-data export, retention, the contact form) need from storage.

DynamoDB implements them in carts.repository; the in-memory fakes in tests/fakes/carts.py run the
same contract tests (tests/contract/test_cart_repository_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal, Protocol

from chalicelib.carts.domain import Cart, CartFilters, CheckoutWrite, Order, OrderFilters, Voucher
from chalicelib.customers.domain import Customer
from chalicelib.models.paging import Page


class CartRepository(Protocol):
    def get(self, cart_id: str) -> Cart | None:
        """One cart by id, or None (also for an id too long to be one of ours)."""

    def create(self, cart: Cart) -> None:
        """Store a new cart (conditional: the id is not taken)."""

    def save(self, before: Cart, after: Cart) -> bool:
        """Write `after` if the stored cart is still at `before`'s version; False if it is not.
        The stored version becomes `before.version + 1`, whatever `after.version` says."""

    def delete_abandoned(self, cart: Cart) -> bool:
        """Delete the cart if it is (still) abandoned; False if it is not, or gone."""

    def abandon(self, before: Cart, after: Cart, voucher: Voucher | None, voucher_expires: datetime) -> bool:
        """Mark an idle open cart abandoned (version-checked) and store its voucher, both or neither.
        False if the cart changed or is no longer open (a replay of the same abandonment)."""

    def idle_open(self, shard: int, idle_before: datetime, size: int) -> Iterator[Cart]:
        """Open carts of one shard last changed before `idle_before`, oldest first."""

    def reminders_due(self, size: int) -> Iterator[Cart]:
        """Abandoned carts whose reminder is due, oldest abandonment first."""

    def list_page(self, filters: CartFilters, limit: int, position: dict[str, Any] | None) -> Page[Cart]:
        """One page of carts, last changed first, with the position of the next page."""

    def for_customer(self, customer_id: str, limit: int) -> list[Cart]:
        """A customer's carts, last changed first, at most `limit`."""

    def get_voucher(self, code: str) -> Voucher | None:
        """One voucher by its code, or None."""

    def checkout(self, write: CheckoutWrite) -> None:
        """Cart → ordered, the new order, the customer's new state (or the new guest) with its
        group counters, the addresses' order counters and the voucher's redemption: all or nothing.

        Raises: TransactionCancelledError naming the items whose condition failed ("cart",
        "order", "customer", "email", "membership", "group", "address", "voucher")."""


class OrderRepository(Protocol):
    def get(self, order_id: str) -> Order | None:
        """One order by id, or None."""

    def list_page(self, filters: OrderFilters, limit: int, position: dict[str, Any] | None) -> Page[Order]:
        """One page of orders, newest first, with the position of the next page."""

    def change_status(
        self, before: Order, after: Order, customer_before: Customer | None, customer_after: Customer | None
    ) -> None:
        """The order (version-checked against `before`) and, when both are given, the customer's
        new stats, in one transaction. Raises: TransactionCancelledError ("order", "customer")."""


# -- what carts need from consent (the privacy feature implements both; wiring.py passes them) ----
class GuestReminderOptIns(Protocol):
    """The suppression list, as far as a guest's cart-reminder opt-in needs it (privacy's
    SuppressionRepository is one). Keys are core.text.email_hash of the guest's address."""

    def is_suppressed(self, email_hash: str, channel: str) -> bool: ...

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None: ...

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool: ...


class UnsubscribeLink(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def headers(self) -> dict[str, str]: ...


class ReminderConsents(Protocol):
    """Whether a cart reminder may go, and its one-click unsubscribe link (privacy's
    ConsentService is one)."""

    def reminder_consent(self, customer: Customer | None, email: str, cart_box: bool) -> str | None:
        """ "marketing", "service", or None when no reminder may be sent."""

    def link(
        self, channel: Literal["cart_reminders"], *, customer_id: str | None, email: str | None
    ) -> UnsubscribeLink: ...
