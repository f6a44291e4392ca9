"""Shop configuration: settings and social titles (groups, contacts later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Gender = Literal["male", "female", "neutral"]


@dataclass(frozen=True)
class Title:
    id: str
    name: str
    gender: Gender
    is_default: bool = False


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    is_default: bool = False
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class ShopConfig:
    """Everything in the CONFIG partition, read with one Query."""

    settings: dict[str, Any]
    titles: tuple[Title, ...]
    groups: tuple[Group, ...]
