"""Import options: checking them against the shop, and saved mappings (`/admin/import-mappings`).

An import's options come from three places, in this order of precedence: the fields the request
sets, the saved mapping it names (`mapping_name`), the defaults. They are resolved and checked
once, when the job is created, and stored on it: every run and continuation reads the file the
same way even if the saved mapping changes later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.imports import layouts as import_layouts
from chalicelib.imports.domain import IGNORE, ImportKind, ImportMapping, ImportOptions
from chalicelib.imports.ports import ImportRepository
from chalicelib.shop.service import ConfigService

_OPTION_NAMES = frozenset(f.name for f in fields(ImportOptions))
# What saved mappings never hold: a preview is chosen per import, the name is the mapping's own.
_NOT_SAVED = frozenset({"preview", "mapping_name"})


def known_fields(kind: ImportKind) -> frozenset[str]:
    """The fields a column can be mapped to: those the pipeline stores for the kind. A field the
    header matcher merely recognises (to report it as left behind) would drop the column's values,
    which a mapping the merchant chose must never do quietly."""
    return import_layouts.STORED_FIELDS[kind]


def _normalised(given: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in given.items() if k in _OPTION_NAMES}
    if values.get("delimiter") == "tab":
        values["delimiter"] = "\t"
    return values


@dataclass(frozen=True, slots=True)
class ImportMappingService:
    jobs: ImportRepository
    config: ConfigService
    cursors: CursorCodec
    clock: Clock = utc_now

    # -- options ------------------------------------------------------------------------------
    def resolve(
        self, kind: ImportKind, given: dict[str, Any], mapping_name: str | None = None, preview: bool = False
    ) -> ImportOptions:
        """The options an import runs with. Raises: InvalidInputError (unknown mapping name, a
        mapping of the other kind, a column mapped to an unknown field, an unknown group id)."""
        base = ImportOptions()
        if mapping_name is not None:
            saved = self.jobs.get_mapping(mapping_name)
            if saved is None:
                raise InvalidInputError(
                    "The import options are not valid.", {"mapping_name": "no saved mapping has this name"}
                )
            if saved.kind != kind:
                raise InvalidInputError(
                    "The import options are not valid.", {"mapping_name": f"is a mapping for {saved.kind}"}
                )
            base = replace(saved.options, mapping_name=saved.name)
        options = replace(base, **_normalised(given), preview=preview)
        self.check(kind, options)
        return options

    def check(self, kind: ImportKind, options: ImportOptions) -> None:
        """Raises: InvalidInputError with a reason per field (never quoting the caller's text)."""
        problems: dict[str, str] = {}
        targets = known_fields(kind) | {IGNORE}
        for position, target in enumerate(options.mapping.values(), start=1):
            if target not in targets:
                problems["mapping"] = f"entry {position}: not a field of {kind} (or {IGNORE!r})"
                break
        if options.group_map:
            groups = {entry.id for entry in self.config.entries("GROUP")}
            for position, group_id in enumerate(options.group_map.values(), start=1):
                if group_id not in groups:
                    problems["group_map"] = f"entry {position}: no group has this id"
                    break
        if problems:
            raise InvalidInputError("The import options are not valid.", problems)

    # -- saved mappings -----------------------------------------------------------------------
    def create(
        self, name: str, kind: ImportKind, given: dict[str, Any], employee_id: str | None
    ) -> ImportMapping:
        """Raises: InvalidInputError, AlreadyExistsError (the name, in any case, is taken)."""
        options = replace(ImportOptions(), **_normalised(given))
        self.check(kind, options)
        now = self.clock()
        mapping = ImportMapping(name, kind, options, now, now, created_by=employee_id)
        return self.jobs.create_mapping(mapping)

    def get(self, name: str) -> ImportMapping:
        """Raises: NotFoundError."""
        mapping = self.jobs.get_mapping(name)
        if mapping is None:
            raise NotFoundError("Import mapping not found.")
        return mapping

    def list_page(self, limit: int, cursor: str | None) -> tuple[list[ImportMapping], str | None]:
        page = self.jobs.list_mappings(limit, self.cursors.decode(cursor, "import-mappings"))
        return page.items, self.cursors.encode(page.next_position, "import-mappings")

    def update(self, name: str, changes: dict[str, Any]) -> ImportMapping:
        """The fields given replace the saved ones; None resets one to its default.
        Raises: NotFoundError, InvalidInputError, ConflictError (changed at the same time)."""
        before = self.get(name)
        defaults = ImportOptions()
        values = {
            k: (getattr(defaults, k) if v is None else v)
            for k, v in changes.items()
            if k in _OPTION_NAMES and k not in _NOT_SAVED
        }
        options = replace(before.options, **_normalised(values))
        self.check(before.kind, options)
        try:
            return self.jobs.save_mapping(before, replace(before, options=options, updated_at=self.clock()))
        except ConflictError:
            if self.jobs.get_mapping(name) is None:
                raise NotFoundError("Import mapping not found.") from None
            raise

    def delete(self, name: str) -> None:
        """Raises: NotFoundError. Jobs created with it keep their options (they hold a copy)."""
        if not self.jobs.delete_mapping(name):
            raise NotFoundError("Import mapping not found.")
