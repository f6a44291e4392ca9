"""Shop configuration: settings and the configuration entries (titles, groups, contacts, order
messages) that all live in the CONFIG partition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Gender = Literal["male", "female", "neutral"]
ConfigKind = Literal["TITLE", "GROUP", "CONTACT", "ORDER_MESSAGE"]
DeleteOutcome = Literal["deleted", "missing", "in_use"]


@dataclass(frozen=True)
class ConfigEntry:
    """One configuration item. `data` is the validated document of its kind; `count` is the
    usage counter kept in the same writes that change it (a group's members, a contact's threads)."""

    kind: ConfigKind
    id: str
    data: dict[str, Any] = field(default_factory=dict)
    is_default: bool = False
    count: int = 0
    # A contact's open / pending / unread thread counters.
    counters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Title:
    id: str
    name: str
    gender: Gender
    is_default: bool = False

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> Title:
        return cls(entry.id, str(entry.data["name"]), entry.data["gender"], entry.is_default)

    def to_entry(self) -> ConfigEntry:
        return ConfigEntry("TITLE", self.id, {"name": self.name, "gender": self.gender}, self.is_default)


@dataclass(frozen=True)
class ShopConfig:
    """Everything in the CONFIG partition, read with one Query."""

    settings: dict[str, Any]
    entries: tuple[ConfigEntry, ...] = ()

    def of(self, kind: ConfigKind) -> list[ConfigEntry]:
        return [e for e in self.entries if e.kind == kind]

    def get(self, kind: ConfigKind, entry_id: str) -> ConfigEntry | None:
        return next((e for e in self.entries if e.kind == kind and e.id == entry_id), None)
