"""The storefront keys' parts: the shop server's keys for /store routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import BaseParts, part

if TYPE_CHECKING:
    from chalicelib.storefront_keys.service import StorefrontKeyService


class StorefrontKeyParts(BaseParts):
    @part
    def storefront_keys(self) -> StorefrontKeyService:
        from chalicelib.storefront_keys.repository import DynamoStorefrontKeyRepository
        from chalicelib.storefront_keys.service import StorefrontKeyService

        return StorefrontKeyService(
            self.given.storefront_keys or DynamoStorefrontKeyRepository(), self.clock, self.ids
        )
