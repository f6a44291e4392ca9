"""Shop configuration: settings, social titles, default groups."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.clock import IdFactory, new_id
from chalicelib.domain.config import Group, ShopConfig, Title
from chalicelib.errors import InvalidInputError, NotFoundError
from chalicelib.repositories.ports import ConfigRepository
from chalicelib.schemas.config import ShopSettings, TitleRequest, UpdateTitleRequest
from chalicelib.schemas.validation import validate

# PrestaShop's default titles keep their numeric ids (1 = Mr, 2 = Mrs) so its CSV files import.
DEFAULT_TITLES = (Title("1", "Mr", "male", True), Title("2", "Mrs", "female", True))
DEFAULT_GROUPS = (
    Group("visitor", "Visitor", True, {"reduction_percent": "0", "price_display": "tax_incl"}),
    Group("guest", "Guest", True, {"reduction_percent": "0", "price_display": "tax_incl"}),
    Group("customer", "Customer", True, {"reduction_percent": "0", "price_display": "tax_incl"}),
)
# Configuration is read on most requests and changes a few times a day: keep it briefly per process.
_CACHE_SECONDS = 5.0


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class ConfigService:
    def __init__(
        self,
        repository: ConfigRepository,
        ids: IdFactory = new_id,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._ids = ids
        self._monotonic = monotonic
        self._cached: tuple[float, ShopConfig] | None = None

    def _config(self) -> ShopConfig:
        now = self._monotonic()
        if self._cached is None or now - self._cached[0] > _CACHE_SECONDS:
            self._cached = (now, self._repository.load())
        return self._cached[1]

    def _invalidate(self) -> None:
        self._cached = None

    def seed_defaults(self) -> None:
        """Create the default settings, titles and groups where missing (safe to run again)."""
        self._repository.save_settings(ShopSettings().model_dump(mode="json"), only_if_absent=True)
        for title in DEFAULT_TITLES:
            self._repository.put_title(title, only_if_absent=True)
        for group in DEFAULT_GROUPS:
            self._repository.put_group(group, only_if_absent=True)
        self._invalidate()

    # -- settings ------------------------------------------------------------------------------
    def settings(self) -> ShopSettings:
        """Stored settings over the defaults, so settings added later get their default value."""
        stored = self._config().settings
        merged = _deep_merge(ShopSettings().model_dump(mode="json"), stored)
        return ShopSettings.model_validate(merged)

    def patch_settings(self, patch: dict[str, Any]) -> ShopSettings:
        """Merge a partial settings document. Raises: InvalidInputError."""
        if not isinstance(patch, dict):
            raise InvalidInputError("The request body must be a JSON object.", {"body": "object"})
        merged = _deep_merge(self.settings().model_dump(mode="json"), patch)
        settings = validate(ShopSettings, merged, message="The settings are not valid.")
        self._repository.save_settings(settings.model_dump(mode="json"))
        self._invalidate()
        return settings

    # -- titles --------------------------------------------------------------------------------
    def titles(self) -> list[Title]:
        return sorted(self._config().titles, key=lambda t: (len(t.id), t.id))

    def title(self, title_id: str) -> Title:
        """Raises: NotFoundError."""
        for title in self._config().titles:
            if title.id == title_id:
                return title
        raise NotFoundError("Title not found.")

    def title_exists(self, title_id: str) -> bool:
        return any(t.id == title_id for t in self._config().titles)

    def create_title(self, request: TitleRequest) -> Title:
        title = Title(self._ids(), request.name, request.gender)
        self._repository.put_title(title)
        self._invalidate()
        return title

    def update_title(self, title_id: str, request: UpdateTitleRequest) -> Title:
        """Raises: NotFoundError."""
        current = self.title(title_id)
        updated = Title(
            current.id,
            request.name if request.name is not None else current.name,
            request.gender if request.gender is not None else current.gender,
            current.is_default,
        )
        self._repository.put_title(updated)
        self._invalidate()
        return updated

    def delete_title(self, title_id: str) -> None:
        """Raises: NotFoundError."""
        self._repository.delete_title(title_id)
        self._invalidate()

    # -- groups --------------------------------------------------------------------------------
    def groups(self) -> list[Group]:
        return list(self._config().groups)

    def group_ids(self) -> set[str]:
        return {g.id for g in self._config().groups}
