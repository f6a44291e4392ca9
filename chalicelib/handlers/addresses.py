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
    RouteSpec,
    route,
)
from chalicelib.wiring import container

addresses = Blueprint(__name__)


def _own(call: AuthenticatedCall[object, object]) -> str:
    return call.principal.subject_id


@route(
    addresses,
    "/admin/addresses",
    "GET",
    RouteSpec(
        summary="List addresses (filters customer_id, last_name, postcode, city, country)",
        roles=STAFF,
        query=ListAddressesParams,
        response=AddressListResponse,
    ),
)
def list_addresses(call: Call[NoBody, ListAddressesParams]) -> AddressListResponse:
    rows, cursor = container().addresses.list_page(call.query)
    return AddressListResponse(items=[AddressResponse.model_validate(a) for a in rows], next_cursor=cursor)


@route(
    addresses,
    "/admin/customers/{customer_id}/addresses",
    "GET",
    RouteSpec(
        summary="A customer's addresses",
        roles=STAFF,
        query=PageParams,
        response=AddressListResponse,
    ),
)
def list_customer_addresses(call: Call[NoBody, PageParams], customer_id: str) -> AddressListResponse:
    rows, cursor = container().addresses.for_customer(customer_id, call.query.limit, call.query.cursor)
    return AddressListResponse(items=[AddressResponse.model_validate(a) for a in rows], next_cursor=cursor)


@route(
    addresses,
    "/admin/customers/{customer_id}/addresses",
    "POST",
    RouteSpec(
        summary="Add an address to a customer",
        roles=ADMIN,
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


@route(
    addresses,
    "/admin/addresses/{address_id}",
    "GET",
    RouteSpec(
        summary="Get an address",
        roles=STAFF,
        response=AddressResponse,
    ),
)
def get_address(call: Call, address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.get(address_id))


@route(
    addresses,
    "/admin/addresses/{address_id}",
    "PATCH",
    RouteSpec(
        summary="Update an address",
        roles=ADMIN,
        body=UpdateAddressRequest,
        response=AddressResponse,
    ),
)
def update_address(call: Call[UpdateAddressRequest, NoQuery], address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.update(address_id, call.body))


@route(
    addresses,
    "/admin/addresses/{address_id}",
    "DELETE",
    RouteSpec(
        summary="Delete an address (hidden and kept when an order uses it)",
        roles=ADMIN,
        status=204,
    ),
)
def delete_address(call: Call, address_id: str) -> None:
    container().addresses.delete(address_id)


@route(
    addresses,
    "/store/me/addresses",
    "GET",
    RouteSpec(
        summary="My addresses",
        roles=CUSTOMER,
        query=PageParams,
        response=AddressListResponse,
    ),
)
def list_my_addresses(call: AuthenticatedCall[NoBody, PageParams]) -> AddressListResponse:
    rows, cursor = container().addresses.for_customer(
        _own(call), call.query.limit, call.query.cursor, include_deleted=False
    )
    return AddressListResponse(items=[AddressResponse.model_validate(a) for a in rows], next_cursor=cursor)


@route(
    addresses,
    "/store/me/addresses",
    "POST",
    RouteSpec(
        summary="Add one of my addresses",
        roles=CUSTOMER,
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


@route(
    addresses,
    "/store/me/addresses/{address_id}",
    "GET",
    RouteSpec(
        summary="One of my addresses",
        roles=CUSTOMER,
        response=AddressResponse,
    ),
)
def get_my_address(call: AuthenticatedCall, address_id: str) -> AddressResponse:
    return AddressResponse.model_validate(container().addresses.get(address_id, owner=_own(call)))


@route(
    addresses,
    "/store/me/addresses/{address_id}",
    "PATCH",
    RouteSpec(
        summary="Change one of my addresses",
        roles=CUSTOMER,
        body=UpdateAddressRequest,
        response=AddressResponse,
    ),
)
def update_my_address(
    call: AuthenticatedCall[UpdateAddressRequest, NoQuery], address_id: str
) -> AddressResponse:
    return AddressResponse.model_validate(
        container().addresses.update(address_id, call.body, owner=_own(call))
    )


@route(
    addresses,
    "/store/me/addresses/{address_id}",
    "DELETE",
    RouteSpec(
        summary="Delete one of my addresses",
        roles=CUSTOMER,
        status=204,
    ),
)
def delete_my_address(call: AuthenticatedCall, address_id: str) -> None:
    container().addresses.delete(address_id, owner=_own(call))
