"""The customers' parts: the profile service and the storefront accounts (register, sign-in,
verify, reset)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.mail import MailParts
from chalicelib.wiring.throttle import ThrottleParts

if TYPE_CHECKING:
    from chalicelib.core.secrets import SecretStore
    from chalicelib.customers.accounts import AccountService
    from chalicelib.customers.ports import CustomerRepository
    from chalicelib.customers.service import CustomerService


class CustomerParts(MailParts, ThrottleParts):
    @part
    def customer_repository(self) -> CustomerRepository:
        from chalicelib.customers.repository import DynamoCustomerRepository

        return self.given.customers or DynamoCustomerRepository()

    @part
    def customers(self) -> CustomerService:
        from chalicelib.customers.service import CustomerService

        return CustomerService(self.customer_repository, self.config, self.cursors, self.clock)

    @part
    def prestashop_cookie_key(self) -> SecretStore:
        from chalicelib.core.secrets import prestashop_cookie_key_store

        return self.given.prestashop_cookie_key or prestashop_cookie_key_store(self.settings)

    @part
    def accounts(self) -> AccountService:
        from chalicelib.customers.accounts import AccountService
        from chalicelib.customers.reset_requests import DynamoResetRequestQueue

        settings = self.settings
        return AccountService(
            self.customer_repository,
            self.customers,
            self.config,
            self.notifier,
            self.failure_throttle(
                settings.login_max_failures, timedelta(seconds=settings.login_window_seconds)
            ),
            self.signer,
            reset_queue=DynamoResetRequestQueue(),
            token_ttl=self.token_ttl,
            login_throttle=self.login_throttle("store-login"),
            clock=self.clock,
            ids=self.ids,
            cookie_key=self.prestashop_cookie_key.get,
        )
