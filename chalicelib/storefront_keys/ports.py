"""What the storefront-key service needs from storage (DynamoDB in storefront_keys.repository,
a fake in tests/fakes)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.storefront_keys.domain import StorefrontKey


class StorefrontKeyRepository(Protocol):
    def create(self, key: StorefrontKey) -> None:
        """Raises: AlreadyExistsError."""

    def get(self, key_id: str) -> StorefrontKey | None: ...

    def list(self) -> list[StorefrontKey]:
        """Every key, revoked ones included, oldest first."""

    def revoke(self, key_id: str, at: datetime) -> StorefrontKey:
        """Raises: NotFoundError."""
