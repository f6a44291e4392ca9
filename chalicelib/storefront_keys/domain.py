"""Storefront access keys: what identifies the shop's own server to the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class StorefrontKey:
    id: str
    name: str
    # sha256 of the key's secret part: the key is random (256 bits), so a fast hash is enough.
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> Literal["active", "revoked"]:
        return "revoked" if self.revoked else "active"
