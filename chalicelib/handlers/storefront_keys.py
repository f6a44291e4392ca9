"""Storefront access keys: the admin creates, lists and revokes the keys of the shop's servers."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.handlers.http import ADMIN, Call, NoQuery, RouteSpec, route
from chalicelib.storefront_keys.schemas import (
    CreatedStorefrontKeyResponse,
    CreateStorefrontKeyRequest,
    StorefrontKeyListResponse,
    StorefrontKeyResponse,
)
from chalicelib.wiring import container

storefront_keys = Blueprint(__name__)


@route(
    storefront_keys,
    "/admin/storefront-keys",
    "GET",
    RouteSpec(
        summary="Storefront keys (without their values)",
        roles=ADMIN,
        response=StorefrontKeyListResponse,
    ),
)
def list_keys(call: Call) -> StorefrontKeyListResponse:
    keys = container().storefront_keys.list()
    return StorefrontKeyListResponse(items=[StorefrontKeyResponse.model_validate(k) for k in keys])


@route(
    storefront_keys,
    "/admin/storefront-keys",
    "POST",
    RouteSpec(
        summary="Create a storefront key for the shop's server (the key is shown this once)",
        roles=ADMIN,
        body=CreateStorefrontKeyRequest,
        response=CreatedStorefrontKeyResponse,
        status=201,
    ),
)
def create_key(call: Call[CreateStorefrontKeyRequest, NoQuery]) -> CreatedStorefrontKeyResponse:
    key, plain = container().storefront_keys.create(call.body.name)
    return CreatedStorefrontKeyResponse(**StorefrontKeyResponse.model_validate(key).model_dump(), key=plain)


@route(
    storefront_keys,
    "/admin/storefront-keys/{key_id}",
    "DELETE",
    RouteSpec(
        summary="Revoke a storefront key (it stays listed as revoked)",
        roles=ADMIN,
        response=StorefrontKeyResponse,
    ),
)
def revoke_key(call: Call, key_id: str) -> StorefrontKeyResponse:
    return StorefrontKeyResponse.model_validate(container().storefront_keys.revoke(key_id))
