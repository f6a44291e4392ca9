"""What the address service needs from storage."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.addresses.domain import Address, AddressFilters
from chalicelib.models.paging import Page


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
