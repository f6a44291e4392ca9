"""The addresses' parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.customers import CustomerParts

if TYPE_CHECKING:
    from chalicelib.addresses.service import AddressService


class AddressParts(CustomerParts):
    @part
    def addresses(self) -> AddressService:
        from chalicelib.addresses.repository import DynamoAddressRepository
        from chalicelib.addresses.service import AddressService

        return AddressService(
            self.given.addresses or DynamoAddressRepository(),
            self.customer_repository,
            self.config,
            self.cursors,
            self.clock,
        )
