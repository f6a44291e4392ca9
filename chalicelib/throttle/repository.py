"""Throttle counters in the single table: one TTL item per (scope, hashed subject, window)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.core.clock import iso
from chalicelib.models import keys
from chalicelib.models.errors import dynamo_errors, get_item
from chalicelib.models.staff import ThrottleRecord


def _subject_hash(subject: str) -> str:
    # Throttle keys never hold the e-mail or IP itself (no PII in keys or logs).
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


class DynamoThrottleRepository:
    """Failed-login counters per subject and time window, expiring through TTL."""

    def failures(self, scope: str, subject: str, window_start: datetime) -> int:
        record = get_item(ThrottleRecord, keys.throttle_pk(scope, _subject_hash(subject)), iso(window_start))
        return int(record.failures) if record is not None else 0

    def add_failure(
        self, scope: str, subject: str, window_start: datetime, expires_at: datetime, amount: int = 1
    ) -> int:
        """Atomic `ADD`; PynamoDB's update returns the item as written (ALL_NEW), so the count
        is this call's own, not a separate read that parallel requests could all pass."""
        record = ThrottleRecord(keys.throttle_pk(scope, _subject_hash(subject)), iso(window_start))
        with dynamo_errors():
            record.update(
                actions=[
                    ThrottleRecord.failures.add(amount),
                    ThrottleRecord.expires_at.set(expires_at),
                    # An update creates the item without the discriminator; every item carries one.
                    ThrottleRecord.entity_type.set(ThrottleRecord),
                ]
            )
        return int(record.failures)
