"""Shop configuration: settings, social titles, customer groups, contacts, order messages."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel

from chalicelib.core.clock import IdFactory, new_id
from chalicelib.core.errors import InvalidInputError, NotFoundError, RuleViolationError
from chalicelib.core.validation import validate
from chalicelib.shop.domain import ConfigEntry, ConfigKind, ShopConfig, Title
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.schemas import (
    SEEDED_PUBLIC_API_URL,
    ContactRequest,
    GroupRequest,
    OrderMessageRequest,
    ShopSettings,
    TitleRequest,
    UpdateTitleRequest,
)

# PrestaShop's default titles keep their numeric ids (1 = Mr, 2 = Mrs) so its CSV files import.
DEFAULT_TITLES = (Title("1", "Mr", "male", True), Title("2", "Mrs", "female", True))
DEFAULT_GROUP_IDS = ("visitor", "guest", "customer")


# The seeded groups and contacts are built when seeded, not at import: building a request model
# builds its validator (ContactRequest's loads email_validator), ~30 ms of the cold start of every
# function that imports this service, which seeds nothing.
@cache
def default_groups() -> tuple[ConfigEntry, ...]:
    return tuple(
        ConfigEntry(
            "GROUP",
            group_id,
            GroupRequest(name=names["en"], names=names).model_dump(mode="json"),
            True,
        )
        for group_id, names in (
            ("visitor", {"en": "Visitor", "fr": "Visiteur", "es": "Visitante"}),
            ("guest", {"en": "Guest", "fr": "Invité", "es": "Invitado"}),
            ("customer", {"en": "Customer", "fr": "Client", "es": "Cliente"}),
        )
    )


def _default_contact(contact_id: str, names: dict[str, str], descriptions: dict[str, str]) -> ConfigEntry:
    """A seeded contact; its `name` and `description` are the English ones, as for groups."""
    request = ContactRequest(
        name=names["en"], names=names, description=descriptions["en"], descriptions=descriptions
    )
    return ConfigEntry("CONTACT", contact_id, request.model_dump(mode="json"), True)


@cache
def default_contacts() -> tuple[ConfigEntry, ...]:
    return (
        _default_contact(
            "customer-service",
            {"en": "Customer service", "fr": "Service client", "es": "Servicio al cliente"},
            {
                "en": "For any question about a product or an order",
                "fr": "Pour toute question sur un produit ou une commande",
                "es": "Para cualquier pregunta sobre un producto o un pedido",
            },
        ),
        _default_contact(
            "webmaster",
            {"en": "Webmaster", "fr": "Webmaster", "es": "Webmaster"},
            {
                "en": "If a technical problem occurs on this website",
                "fr": "En cas de problème technique sur ce site",
                "es": "Si se produce un problema técnico en este sitio web",
            },
        ),
    )


# Configuration is read on most requests and changes a few times a day: keep it briefly per process.
_CACHE_SECONDS = 5.0
_LABELS: dict[ConfigKind, str] = {
    "TITLE": "Title",
    "GROUP": "Group",
    "CONTACT": "Contact",
    "ORDER_MESSAGE": "Order message",
}


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class ConfigService:
    def __init__(
        self,
        repository: ConfigRepository,
        ids: IdFactory = new_id,
        monotonic: Callable[[], float] = time.monotonic,
        local_api_url: str | None = None,
    ) -> None:
        self._repository = repository
        self._ids = ids
        self._monotonic = monotonic
        self._local_api_url = local_api_url
        self._cached: tuple[float, ShopConfig] | None = None
        # The settings validated from the cached configuration they came from: merging them over the
        # defaults and validating costs more than the rest of a cached read's edge (`make bench`,
        # devtools/bench_overhead.py), so it is done once per load. Callers only read them.
        self._validated: tuple[ShopConfig, ShopSettings] | None = None

    def _config(self) -> ShopConfig:
        if self._cached is None or self._monotonic() - self._cached[0] > _CACHE_SECONDS:
            loaded = self._repository.load()
            # Stamped when the load returns, not when it began: a load slower than the TTL (a
            # large local table, a throttled one) would otherwise be stale on arrival, and every
            # call would load again.
            self._cached = (self._monotonic(), loaded)
        return self._cached[1]

    def invalidate(self) -> None:
        """Forget the cached configuration (after this process changed it)."""
        self._cached = None

    def seed_defaults(self) -> None:
        """Create the default settings, titles, groups and contacts where missing (idempotent)."""
        self._repository.save_settings(ShopSettings().model_dump(mode="json"), only_if_absent=True)
        for entry in (*(t.to_entry() for t in DEFAULT_TITLES), *default_groups(), *default_contacts()):
            self._repository.put_entry(entry, only_if_absent=True)
        self.invalidate()

    # -- settings ------------------------------------------------------------------------------
    def settings(self) -> ShopSettings:
        """Stored settings over the defaults, so settings added later get their default value."""
        return self._effective(self._stored_settings())

    def _stored_settings(self) -> ShopSettings:
        config = self._config()
        if self._validated is None or self._validated[0] is not config:
            merged = deep_merge(ShopSettings().model_dump(mode="json"), config.settings)
            self._validated = (config, ShopSettings.model_validate(merged))
        return self._validated[1]

    def _effective(self, settings: ShopSettings) -> ShopSettings:
        """On the local stack, the seeded `public_api_url` means "this API": it is read as the
        address the stack serves (its $PORT), so tables seeded before a port change are right
        too. A value the merchant set is kept as is."""
        if self._local_api_url and settings.public_api_url == SEEDED_PUBLIC_API_URL:
            return settings.model_copy(update={"public_api_url": self._local_api_url})
        return settings

    def patch_settings(self, patch: dict[str, Any]) -> ShopSettings:
        """Merge a partial settings document. Raises: InvalidInputError."""
        merged = deep_merge(self._stored_settings().model_dump(mode="json"), patch)
        settings = validate(ShopSettings, merged, message="The settings are not valid.")
        self._repository.save_settings(settings.model_dump(mode="json"))
        self.invalidate()
        return self._effective(settings)

    # -- generic entries -----------------------------------------------------------------------
    def entries(self, kind: ConfigKind) -> list[ConfigEntry]:
        return sorted(self._config().of(kind), key=lambda e: (not e.is_default, e.id))

    def entry(self, kind: ConfigKind, entry_id: str) -> ConfigEntry:
        """Raises: NotFoundError."""
        found = self._config().get(kind, entry_id)
        if found is None:
            raise NotFoundError(f"{_LABELS[kind]} not found.")
        return found

    def fresh_entry(self, kind: ConfigKind, entry_id: str) -> ConfigEntry:
        """The entry as stored now (bypassing the cache), e.g. for an exact counter."""
        self.invalidate()
        return self.entry(kind, entry_id)

    def exists(self, kind: ConfigKind, entry_id: str) -> bool:
        return self._config().get(kind, entry_id) is not None

    def create_entry(self, kind: ConfigKind, request: BaseModel) -> ConfigEntry:
        entry = ConfigEntry(kind, self._ids(), request.model_dump(mode="json"))
        self._repository.put_entry(entry)
        self.invalidate()
        return entry

    def update_entry(
        self, kind: ConfigKind, entry_id: str, patch: BaseModel, model: type[BaseModel]
    ) -> ConfigEntry:
        """Apply the fields given in `patch` and validate the result with `model`.

        Raises: NotFoundError, InvalidInputError.
        """
        current = self.entry(kind, entry_id)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        nulls = {name: "must not be null" for name, value in changes.items() if value is None}
        if nulls:
            raise InvalidInputError(f"The {_LABELS[kind].lower()} is not valid.", nulls)
        document = validate(model, current.data | changes).model_dump(mode="json")
        updated = ConfigEntry(kind, entry_id, document, current.is_default, current.count)
        self._repository.put_entry(updated)
        self.invalidate()
        return updated

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, in_use_message: str | None = None) -> None:
        """Raises: NotFoundError, RuleViolationError (still used, when `in_use_message` is given)."""
        outcome = self._repository.delete_entry(kind, entry_id, only_if_unused=in_use_message is not None)
        self.invalidate()
        if outcome == "missing":
            raise NotFoundError(f"{_LABELS[kind]} not found.")
        if outcome == "in_use":
            raise RuleViolationError(in_use_message or "This entry is in use.")

    # -- titles --------------------------------------------------------------------------------
    def titles(self) -> list[Title]:
        return [Title.from_entry(e) for e in self.entries("TITLE")]

    def title(self, title_id: str) -> Title:
        """Raises: NotFoundError."""
        return Title.from_entry(self.entry("TITLE", title_id))

    def title_exists(self, title_id: str) -> bool:
        return self.exists("TITLE", title_id)

    def create_title(self, request: TitleRequest) -> Title:
        return Title.from_entry(self.create_entry("TITLE", request))

    def update_title(self, title_id: str, request: UpdateTitleRequest) -> Title:
        """Raises: NotFoundError."""
        return Title.from_entry(self.update_entry("TITLE", title_id, request, TitleRequest))

    def delete_title(self, title_id: str) -> None:
        """Raises: NotFoundError."""
        self.delete_entry("TITLE", title_id)

    # -- groups, contacts, order messages --------------------------------------------------------
    def group_ids(self) -> set[str]:
        return {e.id for e in self._config().of("GROUP")}

    def group_names(self, language: str = "en") -> dict[str, str]:
        return {
            e.id: str(e.data.get("names", {}).get(language) or e.data["name"])
            for e in self._config().of("GROUP")
        }

    def create_group(self, request: GroupRequest) -> ConfigEntry:
        return self.create_entry("GROUP", request)

    def ensure_group(self, group_id: str, name: str) -> bool:
        """Create a group with this id (0 % reduction) unless it exists. Conditional, so two runs
        or a redelivered batch never make a second one. Returns whether it was created."""
        entry = ConfigEntry("GROUP", group_id, GroupRequest(name=name).model_dump(mode="json"))
        created = self._repository.put_entry(entry, only_if_absent=True)
        self.invalidate()
        return created

    def create_contact(self, request: ContactRequest) -> ConfigEntry:
        return self.create_entry("CONTACT", request)

    def create_order_message(self, request: OrderMessageRequest) -> ConfigEntry:
        return self.create_entry("ORDER_MESSAGE", request)
