"""Shop configuration in the CONFIG partition (access pattern #13)."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.core.clock import Clock, iso, utc_now
from chalicelib.models import keys
from chalicelib.models.errors import conditional, dynamo_errors, get_item
from chalicelib.models.shop import ConfigRecord
from chalicelib.shop.domain import ConfigEntry, ConfigKind, DeleteOutcome, ShopConfig

SETTINGS = "SETTINGS"
KINDS: tuple[ConfigKind, ...] = ("TITLE", "GROUP", "CONTACT", "ORDER_MESSAGE")


def entry_key(kind: str, entry_id: str) -> tuple[str, str]:
    return keys.CONFIG, keys.config_sk(kind, entry_id)


class DynamoConfigRepository:
    """Settings and every configuration entry, read together with one Query."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def load(self) -> ShopConfig:
        settings: dict[str, Any] = {}
        entries: list[ConfigEntry] = []
        with dynamo_errors():
            for record in ConfigRecord.query(keys.CONFIG):
                data = dict(record.data or {})
                if record.kind == SETTINGS:
                    settings = data
                elif record.kind in KINDS and record.item_id:
                    entries.append(
                        ConfigEntry(
                            record.kind,
                            record.item_id,
                            data,
                            bool(record.is_default),
                            int(record.usage_count or 0),
                            {
                                name: int(getattr(record, name) or 0)
                                for name in ("open_count", "pending_count", "unread_count")
                            }
                            if record.kind == "CONTACT"
                            else {},
                        )
                    )
        return ShopConfig(settings=settings, entries=tuple(entries))

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        record = ConfigRecord(
            keys.CONFIG, SETTINGS, kind=SETTINGS, data=settings, updated_at=iso(self._clock())
        )
        condition = ConfigRecord.pk.does_not_exist() if only_if_absent else None
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=condition)
        return outcome.passed

    def put_entry(self, entry: ConfigEntry, *, only_if_absent: bool = False) -> bool:
        """Create or replace an entry's document; its usage counter is left as it is."""
        record = ConfigRecord(*entry_key(entry.kind, entry.id))
        actions: list[Action] = [
            ConfigRecord.entity_type.set(ConfigRecord),
            ConfigRecord.kind.set(entry.kind),
            ConfigRecord.item_id.set(entry.id),
            ConfigRecord.data.set(entry.data),
            ConfigRecord.is_default.set(entry.is_default),
            ConfigRecord.updated_at.set(iso(self._clock())),
        ]
        condition = ConfigRecord.pk.does_not_exist() if only_if_absent else None
        with dynamo_errors(), conditional() as outcome:
            record.update(actions=actions, condition=condition)
        return outcome.passed

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, only_if_unused: bool) -> DeleteOutcome:
        record = ConfigRecord(*entry_key(kind, entry_id))
        condition = ConfigRecord.pk.exists()
        if only_if_unused:
            condition &= ConfigRecord.usage_count.does_not_exist() | (ConfigRecord.usage_count == 0)
        with dynamo_errors(), conditional() as outcome:
            record.delete(condition=condition)
        if outcome.passed:
            return "deleted"
        return "in_use" if get_item(ConfigRecord, *entry_key(kind, entry_id)) is not None else "missing"
