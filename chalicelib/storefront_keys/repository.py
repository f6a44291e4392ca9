"""Storefront access keys in DynamoDB (see StorefrontKeyRecord's key design)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.clock import iso
from chalicelib.core.errors import AlreadyExistsError, NotFoundError
from chalicelib.models import keys
from chalicelib.models.errors import conditional, dynamo_errors, get_item
from chalicelib.models.mapping import RecordMapping
from chalicelib.models.storefront_keys import StorefrontKeyRecord
from chalicelib.storefront_keys.domain import StorefrontKey

# Every field is copied by name (models/mapping.py); the id is stored as key_id.
_KEY = RecordMapping(StorefrontKey, StorefrontKeyRecord, renames={"id": "key_id"})


def _from_record(record: StorefrontKeyRecord) -> StorefrontKey:
    return _KEY.from_record(record)


class DynamoStorefrontKeyRepository:
    def create(self, key: StorefrontKey) -> None:
        """Raises: AlreadyExistsError (the id is taken)."""
        record = _KEY.to_record(
            key,
            keys.storefront_key_pk(key.id),
            keys.STOREFRONT_KEY_SK,
            gsi1pk=keys.STOREFRONT_KEYS,
            gsi1sk=f"{iso(key.created_at)}#{key.id}",
        )
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=StorefrontKeyRecord.pk.does_not_exist())
        if not outcome.passed:
            raise AlreadyExistsError("This storefront key already exists.")

    def get(self, key_id: str) -> StorefrontKey | None:
        record = get_item(StorefrontKeyRecord, keys.storefront_key_pk(key_id), keys.STOREFRONT_KEY_SK)
        return _from_record(record) if record is not None else None

    def list(self) -> list[StorefrontKey]:
        with dynamo_errors():
            return [_from_record(r) for r in StorefrontKeyRecord.gsi1.query(keys.STOREFRONT_KEYS)]

    def revoke(self, key_id: str, at: datetime) -> StorefrontKey:
        """Set revoked_at once (a second revoke keeps the first time). Raises: NotFoundError."""
        current = self.get(key_id)
        if current is None:
            raise NotFoundError("Storefront key not found.")
        if current.revoked:
            return current
        record = StorefrontKeyRecord(keys.storefront_key_pk(key_id), keys.STOREFRONT_KEY_SK)
        with dynamo_errors():
            record.update(
                actions=[StorefrontKeyRecord.revoked_at.set(iso(at))],
                condition=StorefrontKeyRecord.pk.exists(),
            )
        return _from_record(record)
