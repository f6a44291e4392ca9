"""Addresses in DynamoDB, and the index plan the in-memory fake shares."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.addresses.domain import Address, AddressFilters, owner_of
from chalicelib.addresses.records import (
    address_index_keys,
    from_address_record,
    postcode_key,
    to_address_record,
)
from chalicelib.core.errors import AlreadyExistsError, ConflictError, NotFoundError
from chalicelib.core.text import fold
from chalicelib.models import keys
from chalicelib.models.base import TableRecord, index_by_number
from chalicelib.models.customers import AddressRecord
from chalicelib.models.errors import conditional, dynamo_errors, get_item, save_at_version, to_low_level
from chalicelib.models.paging import Page, read_page


@dataclass(frozen=True)
class AddressPlan:
    source: str  # "customer" (base-table Query) or "index"
    index: int = 0
    partition: str = ""
    prefix: str | None = None
    residual: AddressFilters = field(default_factory=AddressFilters)


def plan_address_query(filters: AddressFilters) -> AddressPlan:
    """The narrowest key first: a customer's collection, then postcode, last name, city, country."""
    if filters.customer_id:
        return AddressPlan(
            "customer",
            partition=keys.customer_pk(filters.customer_id),
            residual=replace(filters, customer_id=None),
        )
    if filters.postcode:
        return AddressPlan(
            "index", 5, keys.ADDRESSES, postcode_key(filters.postcode), replace(filters, postcode=None)
        )
    if filters.last_name:
        return AddressPlan(
            "index", 4, keys.ADDRESSES, fold(filters.last_name), replace(filters, last_name=None)
        )
    if filters.city:
        return AddressPlan("index", 6, keys.ADDRESSES, fold(filters.city), replace(filters, city=None))
    if filters.country:
        return AddressPlan(
            "index", 7, keys.address_country_pk(filters.country.upper()), None, replace(filters, country=None)
        )
    return AddressPlan("index", 2, keys.ADDRESSES)


def address_matches(address: Address, filters: AddressFilters) -> bool:
    return all(
        (
            filters.customer_id is None or address.customer_id == filters.customer_id,
            filters.last_name is None or fold(address.last_name).startswith(fold(filters.last_name)),
            filters.postcode is None
            or postcode_key(address.postcode).startswith(postcode_key(filters.postcode)),
            filters.city is None or fold(address.city).startswith(fold(filters.city)),
            filters.country is None or address.country == filters.country.upper(),
        )
    )


def order_key(address: Address, plan: AddressPlan) -> str:
    if plan.source == "customer":
        return keys.address_sk(address.id)
    return address_index_keys(address)[plan.index][1]


# Every field is copied by name (models/mapping.py); the id is stored as address_id.
class DynamoAddressRepository:
    """Addresses live in their customer's item collection."""

    def create(self, address: Address) -> None:
        """Raises: AlreadyExistsError (an address with this id exists), as the fake does."""
        with dynamo_errors(), conditional() as outcome:
            to_address_record(address).save(condition=AddressRecord.pk.does_not_exist())
        if not outcome.passed:
            raise AlreadyExistsError("An address with this id already exists.")

    def get(self, address_id: str) -> Address | None:
        customer_id = owner_of(address_id)
        if customer_id is None:
            return None
        record = get_item(AddressRecord, keys.customer_pk(customer_id), keys.address_sk(address_id))
        return from_address_record(record) if record is not None else None

    def update(self, before: Address, after: Address) -> None:
        if not save_at_version(to_address_record(after), before.version, AddressRecord.pk.exists()):
            if self.get(before.id) is None:
                raise NotFoundError("Address not found.")
            raise ConflictError("The address was changed by someone else; reload and try again.")

    def delete(self, address: Address) -> bool:
        """Delete unless an order uses it; then hide it. Returns True when it was deleted."""
        record = to_address_record(address)
        unused = AddressRecord.order_count.does_not_exist() | (AddressRecord.order_count == 0)
        with dynamo_errors(), conditional() as outcome:
            record.delete(condition=unused)
        if outcome.passed:
            return True
        current = self.get(address.id)
        if current is None:
            raise NotFoundError("Address not found.")
        if current.order_count == 0:
            raise ConflictError("The address was changed by someone else; reload and try again.")
        self.update(current, replace(current, deleted=True))
        return False

    def list_page(
        self, filters: AddressFilters, limit: int, position: dict[str, Any] | None
    ) -> Page[Address]:
        plan = plan_address_query(filters)
        return read_page(
            lambda start, size: self._query(plan, start, size),
            lambda record: from_address_record(record) if isinstance(record, AddressRecord) else None,
            lambda address: address_matches(address, plan.residual),
            lambda record: self._position(record, plan),
            limit,
            position,
        )

    @staticmethod
    def _query(plan: AddressPlan, position: dict[str, Any] | None, size: int) -> Any:
        start = to_low_level(position) if position else None
        if plan.source == "customer":
            return TableRecord.query(
                plan.partition,
                TableRecord.sk.startswith(keys.address_prefix()),
                limit=size,
                page_size=size,
                last_evaluated_key=start,
            )
        sort_attr = getattr(TableRecord, f"gsi{plan.index}sk")
        return index_by_number(plan.index).query(
            plan.partition,
            range_key_condition=sort_attr.startswith(plan.prefix) if plan.prefix else None,
            limit=size,
            page_size=size,
            last_evaluated_key=start,
        )

    @staticmethod
    def _position(record: AddressRecord, plan: AddressPlan) -> dict[str, Any]:
        position = {"PK": record.pk, "SK": record.sk}
        if plan.source == "index":
            position |= {
                f"GSI{plan.index}PK": getattr(record, f"gsi{plan.index}pk"),
                f"GSI{plan.index}SK": getattr(record, f"gsi{plan.index}sk"),
            }
        return position
