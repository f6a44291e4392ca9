"""What the address service needs from storage."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.addresses.domain import Address, AddressFilters
from chalicelib.models.paging import Page


class CustomerLookup(Protocol):
    """Whether a customer exists, before an address is added to them (the customers repository is
    one): addresses sit below customers, whose view reads them, so they name no customer type."""

    def get(self, customer_id: str) -> object | None: ...


class AddressRepository(Protocol):
    def create(self, address: Address) -> None: ...

    def get(self, address_id: str) -> Address | None: ...

    def update(self, before: Address, after: Address) -> None:
        """Raises: NotFoundError, ConflictError (stale version)."""

    def delete(self, address: Address) -> bool:
        """Delete, or hide when orders use it (returns False then). Raises: NotFoundError, ConflictError."""

    def list_page(
        self, filters: AddressFilters, limit: int, position: dict[str, Any] | None
    ) -> Page[Address]: ...
