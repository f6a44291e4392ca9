"""In-memory address repository, for unit tests (same contract as DynamoAddressRepository)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.addresses.domain import Address, AddressFilters
from chalicelib.addresses.ports import AddressRepository
from chalicelib.addresses.repository import address_matches, plan_address_query
from chalicelib.addresses.repository import order_key as address_order_key
from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
)
from chalicelib.models.paging import Page


class MemoryAddressRepository:
    def __init__(self) -> None:
        self.addresses: dict[str, Address] = {}

    def create(self, address: Address) -> None:
        if address.id in self.addresses:
            raise AlreadyExistsError("Address already exists.")
        self.addresses[address.id] = replace(address, version=1)

    def get(self, address_id: str) -> Address | None:
        return self.addresses.get(address_id)

    def update(self, before: Address, after: Address) -> None:
        current = self.addresses.get(before.id)
        if current is None:
            raise NotFoundError("Address not found.")
        if current.version != before.version:
            raise ConflictError("The address was changed by someone else; reload and try again.")
        self.addresses[after.id] = replace(after, version=before.version + 1)

    def delete(self, address: Address) -> bool:
        current = self.addresses.get(address.id)
        if current is None:
            raise NotFoundError("Address not found.")
        if current.version == address.version and current.order_count == 0:
            del self.addresses[address.id]
            return True
        # Like DynamoAddressRepository: an address in use is hidden at its current version, even
        # when the caller's read is stale (hiding loses none of the other writer's changes).
        if current.order_count == 0:
            raise ConflictError("The address was changed by someone else; reload and try again.")
        self.update(current, replace(current, deleted=True))
        return False

    def list_page(
        self, filters: AddressFilters, limit: int, position: dict[str, Any] | None
    ) -> Page[Address]:
        plan = plan_address_query(filters)
        rows = sorted(
            (a for a in self.addresses.values() if address_matches(a, filters)),
            key=lambda a: address_order_key(a, plan),
        )
        if position is not None:
            rows = [a for a in rows if address_order_key(a, plan) > str(position["after"])]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(page, {"after": address_order_key(page[-1], plan)} if more and page else None)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryAddressRepository) -> AddressRepository:
    return fake
