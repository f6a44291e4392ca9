"""In-memory storefront-key repository, for unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.core.errors import (
    AlreadyExistsError,
    NotFoundError,
)
from chalicelib.storefront_keys.domain import StorefrontKey
from chalicelib.storefront_keys.ports import StorefrontKeyRepository


class MemoryStorefrontKeyRepository:
    def __init__(self) -> None:
        self.keys: dict[str, StorefrontKey] = {}
        self.reads = 0  # GetItems a DynamoDB repository would make (the check's cache is tested)

    def create(self, key: StorefrontKey) -> None:
        if key.id in self.keys:
            raise AlreadyExistsError("This storefront key already exists.")
        self.keys[key.id] = key

    def get(self, key_id: str) -> StorefrontKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def list(self) -> list[StorefrontKey]:
        return sorted(self.keys.values(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: str, at: datetime) -> StorefrontKey:
        key = self.keys.get(key_id)
        if key is None:
            raise NotFoundError("Storefront key not found.")
        if not key.revoked:
            self.keys[key_id] = key = replace(key, revoked_at=at)
        return key


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryStorefrontKeyRepository) -> StorefrontKeyRepository:
    return fake
