"""Shop configuration in the CONFIG partition (access pattern #13)."""

from __future__ import annotations

from typing import Any

from chalicelib.clock import Clock, iso, utc_now
from chalicelib.domain.config import Group, ShopConfig, Title
from chalicelib.errors import NotFoundError
from chalicelib.models import keys
from chalicelib.models.config import ConfigRecord
from chalicelib.repositories.dynamo_errors import conditional, dynamo_errors

SETTINGS = "SETTINGS"
TITLE = "TITLE"
GROUP = "GROUP"


class DynamoConfigRepository:
    """Settings, titles and groups, read together with one Query."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def load(self) -> ShopConfig:
        settings: dict[str, Any] = {}
        titles: list[Title] = []
        groups: list[Group] = []
        with dynamo_errors():
            for record in ConfigRecord.query(keys.CONFIG):
                data = dict(record.data or {})
                if record.kind == SETTINGS:
                    settings = data
                elif record.kind == TITLE and record.item_id:
                    titles.append(Title(record.item_id, data["name"], data["gender"], record.is_default))
                elif record.kind == GROUP and record.item_id:
                    groups.append(Group(record.item_id, data["name"], record.is_default, data))
        return ShopConfig(settings=settings, titles=tuple(titles), groups=tuple(groups))

    def _save(
        self, kind: str, item_id: str, data: dict[str, Any], *, default: bool, only_if_absent: bool
    ) -> bool:
        """Write one configuration item; with only_if_absent, False when it already exists."""
        record = ConfigRecord(
            keys.CONFIG,
            keys.config_sk(kind, item_id),
            kind=kind,
            item_id=item_id or None,
            data=data,
            is_default=default,
            updated_at=iso(self._clock()),
        )
        condition = ConfigRecord.pk.does_not_exist() if only_if_absent else None
        # Configuration is last-writer-wins by design (staff edits, a few a day): no version check.
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=condition, add_version_condition=False)
        return outcome.passed

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        return self._save(SETTINGS, "", settings, default=False, only_if_absent=only_if_absent)

    def put_title(self, title: Title, *, only_if_absent: bool = False) -> bool:
        data = {"name": title.name, "gender": title.gender}
        return self._save(TITLE, title.id, data, default=title.is_default, only_if_absent=only_if_absent)

    def delete_title(self, title_id: str) -> None:
        record = ConfigRecord(keys.CONFIG, keys.config_sk(TITLE, title_id))
        with dynamo_errors(), conditional() as outcome:
            record.delete(condition=ConfigRecord.pk.exists(), add_version_condition=False)
        if not outcome.passed:
            raise NotFoundError("Title not found.")

    def put_group(self, group: Group, *, only_if_absent: bool = False) -> bool:
        data = dict(group.data or {}) | {"name": group.name}
        return self._save(GROUP, group.id, data, default=group.is_default, only_if_absent=only_if_absent)
