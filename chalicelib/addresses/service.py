"""Addresses: back-office and the signed-in customer's own, with the shop's required fields."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.addresses.domain import ADDRESS_FIELDS, Address, AddressFilters, address_id
from chalicelib.addresses.ports import AddressRepository, CustomerLookup
from chalicelib.addresses.schemas import AddressRequest, ListAddressesParams, UpdateAddressRequest
from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.validation import validate
from chalicelib.shop.service import ConfigService


@dataclass(frozen=True, slots=True)
class AddressService:
    repository: AddressRepository
    customers: CustomerLookup
    config: ConfigService
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id

    def _check_required(self, address: Address) -> None:
        missing: dict[str, str] = {
            name: "required by the shop's settings"
            for name in self.config.settings().required_fields.address
            if getattr(address, name) in (None, "")
        }
        if missing:
            raise InvalidInputError("The address is not valid.", missing)

    def create(
        self, customer_id: str, request: AddressRequest, *, merchant_ref: str | None = None
    ) -> Address:
        """`merchant_ref`: the address's id in the shop's previous system (imports only).
        Raises: NotFoundError (customer), InvalidInputError."""
        if self.customers.get(customer_id) is None:
            raise NotFoundError("Customer not found.")
        now = self.clock()
        address = Address(
            id=address_id(customer_id, self.ids()),
            customer_id=customer_id,
            created_at=now,
            updated_at=now,
            merchant_ref=merchant_ref,
            **request.model_dump(),
        )
        self._check_required(address)
        self.repository.create(address)
        return replace(address, version=1)

    def get(self, address_id_value: str, *, owner: str | None = None) -> Address:
        """An address; with `owner`, only that customer's visible ones. Raises: NotFoundError."""
        address = self.repository.get(address_id_value)
        if address is None or (owner is not None and (address.customer_id != owner or address.deleted)):
            raise NotFoundError("Address not found.")
        return address

    def update(
        self,
        address_id_value: str,
        request: UpdateAddressRequest,
        *,
        owner: str | None = None,
        merchant_ref: str | None = None,
    ) -> Address:
        """`merchant_ref` (imports): set when given, kept otherwise.
        Raises: NotFoundError, InvalidInputError, ConflictError."""
        before = self.get(address_id_value, owner=owner)
        changes: dict[str, Any] = request.model_dump(exclude_unset=True)
        document = {name: getattr(before, name) for name in ADDRESS_FIELDS} | changes
        checked = validate(AddressRequest, document, message="The address is not valid.")
        after = replace(
            before,
            **checked.model_dump(),
            merchant_ref=merchant_ref or before.merchant_ref,
            updated_at=self.clock(),
        )
        self._check_required(after)
        self.repository.update(before, after)
        return replace(after, version=before.version + 1)

    def delete(self, address_id_value: str, *, owner: str | None = None) -> bool:
        """Delete, or hide when an order uses it. Raises: NotFoundError, ConflictError."""
        return self.repository.delete(self.get(address_id_value, owner=owner))

    def list_page(
        self, params: ListAddressesParams, *, include_deleted: bool = True
    ) -> tuple[list[Address], str | None]:
        """Raises: InvalidCursorError."""
        scope = "addresses:" + params.model_dump_json(exclude={"cursor", "limit"})
        position = self.cursors.decode(params.cursor, scope)
        filters = AddressFilters(
            customer_id=params.customer_id,
            last_name=params.last_name,
            postcode=params.postcode,
            city=params.city,
            country=params.country,
        )
        page = self.repository.list_page(filters, params.limit, position)
        rows = [a for a in page.items if include_deleted or not a.deleted]
        return rows, self.cursors.encode(page.next_position, scope)

    def for_customer(
        self, customer_id: str, limit: int, cursor: str | None, *, include_deleted: bool = True
    ) -> tuple[list[Address], str | None]:
        """Raises: NotFoundError (customer), InvalidCursorError."""
        if self.customers.get(customer_id) is None:
            raise NotFoundError("Customer not found.")
        params = ListAddressesParams(customer_id=customer_id, limit=limit, cursor=cursor)
        return self.list_page(params, include_deleted=include_deleted)
