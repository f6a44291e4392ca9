"""What the shop configuration services need from storage: titles, groups, contacts,
order messages and settings."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.shop.domain import ConfigEntry, ConfigKind, DeleteOutcome, ShopConfig


class ConfigRepository(Protocol):
    def load(self) -> ShopConfig:
        """The whole shop configuration in one read."""

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        """Write the settings document; with only_if_absent, False when one already exists."""

    def put_entry(self, entry: ConfigEntry, *, only_if_absent: bool = False) -> bool:
        """Create or replace an entry's document, keeping its usage counter."""

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, only_if_unused: bool) -> DeleteOutcome:
        """Delete an entry; with only_if_unused, not while its usage counter is above zero."""
