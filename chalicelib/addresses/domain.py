"""Customer addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ADDRESS_FIELDS = (
    "alias",
    "company",
    "first_name",
    "last_name",
    "vat_number",
    "dni",
    "address1",
    "address2",
    "postcode",
    "city",
    "state",
    "country",
    "phone",
    "phone_mobile",
    "other",
)
ID_SEPARATOR = "-"


def address_id(customer_id: str, local_id: str) -> str:
    """Address ids embed their customer's id, so one GetItem finds them."""
    return f"{customer_id}{ID_SEPARATOR}{local_id}"


def owner_of(address_id_value: str) -> str | None:
    customer_id, separator, local = address_id_value.rpartition(ID_SEPARATOR)
    return customer_id if separator and customer_id and local else None


@dataclass(frozen=True)
class Address:
    id: str
    customer_id: str
    first_name: str
    last_name: str
    address1: str
    city: str
    country: str
    created_at: datetime
    updated_at: datetime
    alias: str = "My address"
    company: str | None = None
    vat_number: str | None = None
    dni: str | None = None
    address2: str | None = None
    postcode: str | None = None
    state: str | None = None
    phone: str | None = None
    phone_mobile: str | None = None
    other: str | None = None
    # The address's id in the system the shop came from (PrestaShop's "Address ID"), kept by the
    # import and matched on a re-import before the alias.
    merchant_ref: str | None = None
    # Orders that point at this address; an address in use is hidden, never deleted.
    order_count: int = 0
    deleted: bool = False
    version: int = 0


@dataclass(frozen=True)
class AddressFilters:
    customer_id: str | None = None
    last_name: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
