"""Address contracts (API.md "Addresses")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints, field_validator

from chalicelib.core.countries import COUNTRY_CODES
from chalicelib.core.schemas import Cursor, Limit, ListResponse, RequestModel, ResponseModel

Text32 = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Text64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text128 = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Postcode = Annotated[
    str, StringConstraints(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^[0-9+()./ -]+$")]
Country = Annotated[str, StringConstraints(min_length=2, max_length=2)]
Other = Annotated[str, StringConstraints(max_length=300)]


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.upper()
    if code not in COUNTRY_CODES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    return code


class AddressRequest(RequestModel):
    alias: Text32 = "My address"
    company: Text64 | None = None
    first_name: Text64
    last_name: Text64
    vat_number: Text32 | None = None
    dni: Text32 | None = None
    address1: Text128
    address2: Text128 | None = None
    postcode: Postcode | None = None
    city: Text64
    state: Text64 | None = None
    country: Country
    phone: Phone | None = None
    phone_mobile: Phone | None = None
    other: Other | None = None

    _country = field_validator("country")(_country)


class UpdateAddressRequest(RequestModel):
    alias: Text32 | None = None
    company: Text64 | None = None
    first_name: Text64 | None = None
    last_name: Text64 | None = None
    vat_number: Text32 | None = None
    dni: Text32 | None = None
    address1: Text128 | None = None
    address2: Text128 | None = None
    postcode: Postcode | None = None
    city: Text64 | None = None
    state: Text64 | None = None
    country: Country | None = None
    phone: Phone | None = None
    phone_mobile: Phone | None = None
    other: Other | None = None

    _country = field_validator("country")(_country)


class AddressResponse(ResponseModel):
    id: str
    customer_id: str
    alias: str
    company: str | None
    first_name: str
    last_name: str
    vat_number: str | None
    dni: str | None
    address1: str
    address2: str | None
    postcode: str | None
    city: str
    state: str | None
    country: str
    phone: str | None
    phone_mobile: str | None
    other: str | None
    deleted: bool
    created_at: datetime
    updated_at: datetime


class ListAddressesParams(RequestModel):
    customer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    last_name: Text64 | None = None
    postcode: Annotated[str, StringConstraints(min_length=1, max_length=12)] | None = None
    city: Text64 | None = None
    country: Annotated[str, StringConstraints(min_length=2, max_length=2)] | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class AddressListResponse(ListResponse[AddressResponse]):
    pass
