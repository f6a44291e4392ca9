"""The carts' parts: carts, checkout and orders, the abandoned-cart sweep and its reminders."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib.wiring.addresses import AddressParts
from chalicelib.wiring.base import part
from chalicelib.wiring.consents import ConsentParts
from chalicelib.wiring.groups import GroupParts

if TYPE_CHECKING:
    from chalicelib.carts.orders import OrderService
    from chalicelib.carts.ports import CartRepository, OrderRepository
    from chalicelib.carts.reminder_opt_in import ReminderOptInService
    from chalicelib.carts.service import CartService
    from chalicelib.carts.sweep import AbandonedCartSweep
    from chalicelib.carts.tokens import CartTokens

# Guest carts that ask for a reminder at a given e-mail address, per day.
REMINDER_CARTS_PER_ADDRESS = 5
REMINDER_CARTS_WINDOW = timedelta(days=1)
# Per client IP: a household or an office shares one; a bot with thirty made-up addresses is stopped.
REMINDER_CARTS_PER_IP = 10


class CartParts(AddressParts, GroupParts, ConsentParts):
    @part
    def cart_repository(self) -> CartRepository:
        from chalicelib.carts.repository import DynamoCartRepository

        return self.given.cart_store or DynamoCartRepository()

    @part
    def order_repository(self) -> OrderRepository:
        from chalicelib.carts.repository import DynamoOrderRepository

        return self.given.order_store or DynamoOrderRepository()

    @part
    def cart_tokens(self) -> CartTokens:
        from chalicelib.carts.tokens import CartTokens

        return CartTokens(self.secret)

    @part
    def reminder_opt_in(self) -> ReminderOptInService:
        from chalicelib.carts.confirm_tokens import ConfirmTokens
        from chalicelib.carts.reminder_opt_in import ReminderOptInService

        return ReminderOptInService(
            self.privacy_repository, self.config, self.notifier, ConfirmTokens(self.secret), self.clock
        )

    @part
    def carts(self) -> CartService:
        from chalicelib.carts.service import CartService

        return CartService(
            self.cart_repository,
            self.customer_repository,
            self.customers,
            self.addresses,
            self.groups,
            self.config,
            self.cart_tokens,
            self.cursors,
            self.clock,
            self.ids,
            reminder_throttle=self.failure_throttle(REMINDER_CARTS_PER_ADDRESS, REMINDER_CARTS_WINDOW),
            reminder_ip_throttle=self.failure_throttle(REMINDER_CARTS_PER_IP, REMINDER_CARTS_WINDOW),
            opt_in=self.reminder_opt_in,
        )

    @part
    def orders(self) -> OrderService:
        from chalicelib.carts.orders import OrderService

        return OrderService(
            self.order_repository,
            self.customer_repository,
            self.config,
            self.notifier,
            self.cursors,
            self.clock,
        )

    @part
    def sweep(self) -> AbandonedCartSweep:
        from chalicelib.carts.sweep import AbandonedCartSweep

        return AbandonedCartSweep(
            self.cart_repository,
            self.customer_repository,
            self.carts,
            self.config,
            self.notifier,
            self.cart_tokens,
            self.consents,
        )
