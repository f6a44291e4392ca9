"""In-memory shop configuration repository, for unit tests (same contract as DynamoConfigRepository)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.shop.domain import ConfigEntry, ConfigKind, DeleteOutcome, ShopConfig
from chalicelib.shop.ports import ConfigRepository


class MemoryConfigRepository:
    def __init__(self) -> None:
        self.settings: dict[str, Any] | None = None
        self.entries: dict[tuple[str, str], ConfigEntry] = {}

    def load(self) -> ShopConfig:
        ordered = tuple(self.entries[key] for key in sorted(self.entries))
        return ShopConfig(settings=dict(self.settings or {}), entries=ordered)

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        if only_if_absent and self.settings is not None:
            return False
        self.settings = dict(settings)
        return True

    def put_entry(self, entry: ConfigEntry, *, only_if_absent: bool = False) -> bool:
        key = (entry.kind, entry.id)
        if only_if_absent and key in self.entries:
            return False
        count = self.entries[key].count if key in self.entries else 0
        self.entries[key] = replace(entry, count=count)
        return True

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, only_if_unused: bool) -> DeleteOutcome:
        entry = self.entries.get((kind, entry_id))
        if entry is None:
            return "missing"
        if only_if_unused and entry.count > 0:
            return "in_use"
        del self.entries[(kind, entry_id)]
        return "deleted"

    def adjust_count(self, kind: ConfigKind, entry_id: str, delta: int) -> None:
        entry = self.entries[(kind, entry_id)]
        self.entries[(kind, entry_id)] = replace(entry, count=entry.count + delta)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryConfigRepository) -> ConfigRepository:
    return fake
