"""The shop's parts: its settings and configuration entries (every feature reads them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import BaseParts, part

if TYPE_CHECKING:
    from chalicelib.shop.service import ConfigService


class ShopParts(BaseParts):
    @part
    def config(self) -> ConfigService:
        from chalicelib.shop.repository import DynamoConfigRepository
        from chalicelib.shop.service import ConfigService

        return ConfigService(
            self.given.config or DynamoConfigRepository(self.clock), local_api_url=self.settings.local_api_url
        )
