"""Domain dataclass ↔ table record (or JSON document), field by field, in one generic place.

Each entity used to be copied by hand in both directions (`to_record`/`from_record`), so one new
field meant four edited lines in two functions besides the record and the dataclass. Here the
fields that the dataclass and the record share are copied by name, converted by the dataclass's
type hints; a mapping states only its exceptions (the id's attribute name, the keys, derived or
encoded attributes) explicitly.

Stored shapes are the ones the hand-written mappers wrote:
  datetime → ISO 8601 text (`clock.iso`), date → YYYY-MM-DD, Decimal → its text (as given, no
  rounding), tuple → list, dict → dict;
  an empty collection on a nullable attribute is not stored (None), and read back as empty;
  a version of 0 is left unset (PynamoDB then writes the first version under "does not exist").
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute, VersionAttribute

from chalicelib.core.clock import iso, parse_iso
from chalicelib.models.base import TableRecord


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    kind: type  # datetime, date, Decimal, int, bool, tuple, dict, or object (copied as is)
    optional: bool
    has_default: bool


def _kind(hint: Any) -> tuple[type, bool]:
    """The conversion a hint asks for, and whether None is allowed."""
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0] if len(args) == 1 else object
        origin = typing.get_origin(hint)
    base = origin or hint
    for kind in (datetime, date, Decimal, bool, int, tuple, dict):  # datetime before its base class date
        if isinstance(base, type) and issubclass(base, kind):
            return kind, optional
    return object, optional


_FIELDS: dict[Any, tuple[_Field, ...]] = {}


def _fields(cls: Any) -> tuple[_Field, ...]:
    """Resolved on first use, not at import (cold start), then kept."""
    if cls in _FIELDS:
        return _FIELDS[cls]
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind, optional = _kind(hints[f.name])
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        out.append(_Field(f.name, kind, optional, has_default))
    _FIELDS[cls] = tuple(out)
    return _FIELDS[cls]


def stored(value: Any) -> Any:
    """A domain value as the table (or a JSON document) keeps it."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def loaded(raw: Any, field: _Field) -> Any:
    """A stored value back as the dataclass field's type."""
    if raw is None and field.optional:
        return None
    if field.kind is datetime:
        return parse_iso(raw) if raw else None
    if field.kind is date:
        return date.fromisoformat(raw) if raw else None
    if field.kind is Decimal:
        return Decimal(str(raw))
    if field.kind is bool:
        return bool(raw)
    if field.kind is int:
        return int(raw or 0)
    if field.kind is tuple:
        return tuple(raw or ())
    if field.kind is dict:
        return dict(raw or {})
    return raw


def to_document(obj: object, *, exclude: Iterable[str] = (), keep_none: bool = False) -> dict[str, Any]:
    """A JSON-safe copy of a dataclass's fields, None values left out (`keep_none`: written as
    null, the shape of documents that always wrote every key)."""
    skipped = set(exclude)
    document: dict[str, Any] = {}
    for field in _fields(type(obj)):
        value = getattr(obj, field.name)
        if field.name not in skipped and (keep_none or value is not None):
            document[field.name] = stored(value)
    return document


def from_document[D](cls: type[D], document: Mapping[str, Any], **explicit: Any) -> D:
    """The dataclass back from `to_document`: a missing key takes the field's default
    (None for a required field: documents written before the field existed)."""
    values: dict[str, Any] = {}
    for field in _fields(cls):
        if field.name in explicit:
            continue
        if field.name in document:
            values[field.name] = loaded(document[field.name], field)
        elif not field.has_default:
            values[field.name] = None
    return cls(**values, **explicit)


class RecordMapping[D, R: TableRecord]:
    """One entity's domain dataclass ↔ PynamoDB record.

    `renames` maps a dataclass field to the record attribute holding it (`id` → `customer_id`);
    a dataclass field the record does not declare is not stored, a record attribute the dataclass
    lacks (keys, index keys, derived attributes) is passed to `to_record`; fields whose stored form
    differs from the generic one are listed in `exclude` and passed explicitly both ways.
    """

    def __init__(
        self,
        domain: type[D],
        record: type[R],
        *,
        renames: Mapping[str, str] | None = None,
        exclude: Iterable[str] = (),
    ) -> None:
        self.domain = domain
        self.record = record
        self.renames = dict(renames or {})
        self.exclude = frozenset(exclude)

    @functools.cached_property
    def _shared(self) -> tuple[tuple[_Field, str, Attribute[Any]], ...]:
        attributes = self.record.get_attributes()
        shared = []
        for field in _fields(self.domain):
            name = self.renames.get(field.name, field.name)
            if field.name not in self.exclude and name in attributes:
                shared.append((field, name, attributes[name]))
        return tuple(shared)

    def to_record(self, obj: D, hash_key: str, range_key: str, **attributes: Any) -> R:
        values: dict[str, Any] = {}
        version: Any = None
        for field, name, attribute in self._shared:
            value = stored(getattr(obj, field.name))
            if isinstance(attribute, VersionAttribute):
                version = value
            elif value in ({}, []) and attribute.null:
                values[name] = None
            else:
                values[name] = value
        record = self.record(hash_key, range_key, **(values | attributes))
        if version:
            setattr(record, self._version_name, version)
        return record

    @functools.cached_property
    def _version_name(self) -> str:
        return next(n for _, n, a in self._shared if isinstance(a, VersionAttribute))

    def from_record(self, record: R, **explicit: Any) -> D:
        values = {
            field.name: loaded(getattr(record, name), field)
            for field, name, _ in self._shared
            if field.name not in explicit
        }
        return self.domain(**values, **explicit)
