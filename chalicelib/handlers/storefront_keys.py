"""Storefront access keys: the admin creates, lists and revokes the keys of the shop's servers."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core.schemas import Attributes
from chalicelib.handlers.http import ADMIN, Call, NoQuery, Routes, RouteSpec
from chalicelib.storefront_keys.schemas import (
    CreatedStorefrontKeyResponse,
    CreateStorefrontKeyRequest,
    StorefrontKeyListResponse,
    StorefrontKeyResponse,
)
from chalicelib.wiring import container

storefront_keys = Blueprint(__name__)
api = Routes(storefront_keys)


@api.get(
    "/admin/storefront-keys",
    RouteSpec("Storefront keys (without their values)", ADMIN, response=StorefrontKeyListResponse),
)
def list_keys(call: Call) -> StorefrontKeyListResponse:
    return StorefrontKeyListResponse.of(container().storefront_keys.list())


@api.post(
    "/admin/storefront-keys",
    RouteSpec(
        "Create a storefront key for the shop's server (the key is shown this once)",
        ADMIN,
        body=CreateStorefrontKeyRequest,
        response=CreatedStorefrontKeyResponse,
        status=201,
    ),
)
def create_key(call: Call[CreateStorefrontKeyRequest, NoQuery]) -> CreatedStorefrontKeyResponse:
    key, plain = container().storefront_keys.create(call.body.name)
    return CreatedStorefrontKeyResponse.model_validate(Attributes(key, key=plain))


@api.delete(
    "/admin/storefront-keys/{key_id}",
    RouteSpec("Revoke a storefront key (it stays listed as revoked)", ADMIN, response=StorefrontKeyResponse),
)
def revoke_key(call: Call, key_id: str) -> StorefrontKeyResponse:
    return StorefrontKeyResponse.model_validate(container().storefront_keys.revoke(key_id))
