"""Addresses: back-office (any customer's) and storefront (the signed-in customer's own)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.addresses.schemas import (
    AddressListResponse,
    AddressRequest,
    AddressResponse,
    ListAddressesParams,
    UpdateAddressRequest,
)
from chalicelib.core.schemas import PageParams
from chalicelib.handlers.http import (
    ADMIN,
    CUSTOMER,
    STAFF,
    AuthenticatedCall,
    Call,
    NoBody,
    NoQuery,
    Routes,
    RouteSpec,
)
from chalicelib.wiring import container

addresses = Blueprint(__name__)
api = Routes(addresses)


def _own(call: AuthenticatedCall[object, object]) -> str:
    return call.principal.subject_id


@api.get(
    "/admin/addresses",
    RouteSpec(
        "List addresses (filters customer_id, last_name, postcode, city, country)",
        STAFF,
        query=ListAddressesParams,
        response=AddressListResponse,
    ),
)
def list_addresses(call: Call[NoBody, ListAddressesParams]) -> AddressListResponse:
    rows, cursor = container().addresses.list_page(call.query)
    return AddressListResponse.page(rows, cursor)


@api.get(
    "/admin/customers/{customer_id}/addresses",
    RouteSpec("A customer's addresses", STAFF, query=PageParams, response=AddressListResponse),
)
def list_customer_addresses(call: Call[NoBody, PageParams], customer_id: str) -> AddressListResponse:
    rows, cursor = container().addresses.for_customer(customer_id, call.query.limit, call.query.cursor)
    return AddressListResponse.page(rows, cursor)


@api.post(
    "/admin/customers/{customer_id}/addresses",
    RouteSpec(
        "Add an address to a customer",
        ADMIN,
        body=AddressRequest,
        response=AddressResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored, customer_id: AddressResponse.model_validate(
            container().addresses.get(stored.id())
        ),
    ),
)
def create_customer_address(call: Call[AddressRequest, NoQuery], customer_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.create(customer_id, call.body))


@api.get("/admin/addresses/{address_id}", RouteSpec("Get an address", STAFF, response=AddressResponse))
def get_address(call: Call, address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.get(address_id))


@api.patch(
    "/admin/addresses/{address_id}",
    RouteSpec("Update an address", ADMIN, body=UpdateAddressRequest, response=AddressResponse),
)
def update_address(call: Call[UpdateAddressRequest, NoQuery], address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.update(address_id, call.body))


@api.delete(
    "/admin/addresses/{address_id}",
    RouteSpec("Delete an address (hidden and kept when an order uses it)", ADMIN, status=204),
)
def delete_address(call: Call, address_id: str) -> None:
    container().addresses.delete(address_id)


@api.get(
    "/store/me/addresses", RouteSpec("My addresses", CUSTOMER, query=PageParams, response=AddressListResponse)
)
def list_my_addresses(call: AuthenticatedCall[NoBody, PageParams]) -> AddressListResponse:
    rows, cursor = container().addresses.for_customer(
        _own(call), call.query.limit, call.query.cursor, include_deleted=False
    )
    return AddressListResponse.page(rows, cursor)


@api.post(
    "/store/me/addresses",
    RouteSpec(
        "Add one of my addresses",
        CUSTOMER,
        body=AddressRequest,
        response=AddressResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: AddressResponse.model_validate(
            container().addresses.get(stored.id(), owner=_own(call))
        ),
    ),
)
def create_my_address(call: AuthenticatedCall[AddressRequest, NoQuery]) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.create(_own(call), call.body))


@api.get(
    "/store/me/addresses/{address_id}", RouteSpec("One of my addresses", CUSTOMER, response=AddressResponse)
)
def get_my_address(call: AuthenticatedCall, address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.get(address_id, owner=_own(call)))


@api.patch(
    "/store/me/addresses/{address_id}",
    RouteSpec("Change one of my addresses", CUSTOMER, body=UpdateAddressRequest, response=AddressResponse),
)
def update_my_address(
    call: AuthenticatedCall[UpdateAddressRequest, NoQuery], address_id: str
) -> AddressResponse:
    return AddressResponse.model_validate(
        container().addresses.update(address_id, call.body, owner=_own(call))
    )


@api.delete("/store/me/addresses/{address_id}", RouteSpec("Delete one of my addresses", CUSTOMER, status=204))
def delete_my_address(call: AuthenticatedCall, address_id: str) -> None:
    container().addresses.delete(address_id, owner=_own(call))
