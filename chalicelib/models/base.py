"""The single table: generic keys, overloaded GSIs, TTL and the entity discriminator.

Models declare shape and keys only; repositories do all I/O (no active record).
Index roles are documented in docs/keys.md and in each entity's `Key design:` docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import (
    Attribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import AttributeNullError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, Projection
from pynamodb.models import Model

from chalicelib.core.settings import get_settings
from chalicelib.core.snapshots import after_restore

# GSI1-GSI9 are overloaded (many entities, each read whole from them): ALL. GSI11-GSI18 hold the
# customer profile alone (its seven sort orders and its flags) and project only the keys and the
# entity type (PynamoDB's discriminator, so a query still yields CustomerRecords; it never changes,
# so it costs no write), the sort orders also the flags key: a list page reads the keys and
# BatchGets the profiles it shows
# (docs/keys.md, "Projections"). There is
# no GSI10 any more: it was the flags index when it projected ALL, and a projection cannot change
# in place (a deployed stage drops it once GSI18 serves the flags: docs/keys.md, migration).
OVERLOADED_INDEXES = tuple(range(1, 10))
PROFILE_INDEXES = tuple(range(11, 19))
INDEX_NUMBERS = OVERLOADED_INDEXES + PROFILE_INDEXES


def _index(number: int, projection: Projection) -> type[GlobalSecondaryIndex[Any]]:
    """Build GSI<n> with attributes GSI<n>PK / GSI<n>SK and the given projection."""
    meta = type("Meta", (), {"index_name": f"GSI{number}", "projection": projection})
    attrs: dict[str, Any] = {
        "Meta": meta,
        "pk": UnicodeAttribute(hash_key=True, attr_name=f"GSI{number}PK"),
        "sk": UnicodeAttribute(range_key=True, attr_name=f"GSI{number}SK"),
    }
    return type(f"GSI{number}", (GlobalSecondaryIndex,), attrs)


GSI1, GSI2, GSI3, GSI4, GSI5, GSI6, GSI7, GSI8, GSI9 = (
    _index(n, AllProjection()) for n in OVERLOADED_INDEXES
)
# The profile's flags partition (GSI18's key, ~30 bytes) rides along on its sort indexes, so a flag
# filter on a sorted or name-filtered page is checked on the index rows before the BatchGet.
PROFILE_FLAGS_ATTRIBUTE = "GSI18PK"
GSI11, GSI12, GSI13, GSI14, GSI15, GSI16, GSI17 = (
    _index(n, IncludeProjection(["entity_type", PROFILE_FLAGS_ATTRIBUTE])) for n in PROFILE_INDEXES[:-1]
)
GSI18 = _index(PROFILE_INDEXES[-1], IncludeProjection(["entity_type"]))


class TableRecord(Model):
    """Base of every item in the table."""

    class Meta:
        table_name = get_settings().table_name
        region = get_settings().region
        host = get_settings().endpoint_url
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    entity_type = DiscriminatorAttribute(attr_name="entity_type")
    expires_at = TTLAttribute(null=True, attr_name="expires_at")

    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    gsi3pk = UnicodeAttribute(null=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(null=True, attr_name="GSI3SK")
    gsi4pk = UnicodeAttribute(null=True, attr_name="GSI4PK")
    gsi4sk = UnicodeAttribute(null=True, attr_name="GSI4SK")
    gsi5pk = UnicodeAttribute(null=True, attr_name="GSI5PK")
    gsi5sk = UnicodeAttribute(null=True, attr_name="GSI5SK")
    gsi6pk = UnicodeAttribute(null=True, attr_name="GSI6PK")
    gsi6sk = UnicodeAttribute(null=True, attr_name="GSI6SK")
    gsi7pk = UnicodeAttribute(null=True, attr_name="GSI7PK")
    gsi7sk = UnicodeAttribute(null=True, attr_name="GSI7SK")
    gsi8pk = UnicodeAttribute(null=True, attr_name="GSI8PK")
    gsi8sk = UnicodeAttribute(null=True, attr_name="GSI8SK")
    gsi9pk = UnicodeAttribute(null=True, attr_name="GSI9PK")
    gsi9sk = UnicodeAttribute(null=True, attr_name="GSI9SK")
    gsi11pk = UnicodeAttribute(null=True, attr_name="GSI11PK")
    gsi11sk = UnicodeAttribute(null=True, attr_name="GSI11SK")
    gsi12pk = UnicodeAttribute(null=True, attr_name="GSI12PK")
    gsi12sk = UnicodeAttribute(null=True, attr_name="GSI12SK")
    gsi13pk = UnicodeAttribute(null=True, attr_name="GSI13PK")
    gsi13sk = UnicodeAttribute(null=True, attr_name="GSI13SK")
    gsi14pk = UnicodeAttribute(null=True, attr_name="GSI14PK")
    gsi14sk = UnicodeAttribute(null=True, attr_name="GSI14SK")
    gsi15pk = UnicodeAttribute(null=True, attr_name="GSI15PK")
    gsi15sk = UnicodeAttribute(null=True, attr_name="GSI15SK")
    gsi16pk = UnicodeAttribute(null=True, attr_name="GSI16PK")
    gsi16sk = UnicodeAttribute(null=True, attr_name="GSI16SK")
    gsi17pk = UnicodeAttribute(null=True, attr_name="GSI17PK")
    gsi17sk = UnicodeAttribute(null=True, attr_name="GSI17SK")
    gsi18pk = UnicodeAttribute(null=True, attr_name="GSI18PK")
    gsi18sk = UnicodeAttribute(null=True, attr_name="GSI18SK")

    gsi1 = GSI1()
    gsi2 = GSI2()
    gsi3 = GSI3()
    gsi4 = GSI4()
    gsi5 = GSI5()
    gsi6 = GSI6()
    gsi7 = GSI7()
    gsi8 = GSI8()
    gsi9 = GSI9()
    gsi11 = GSI11()
    gsi12 = GSI12()
    gsi13 = GSI13()
    gsi14 = GSI14()
    gsi15 = GSI15()
    gsi16 = GSI16()
    gsi17 = GSI17()
    gsi18 = GSI18()

    # PynamoDB walks every attribute a class declares on each new record (`_set_defaults`), sets
    # each given value through its descriptor (`_set_attributes`), and walks them all again on
    # each write (`_container_serialize`). Every record here inherits the 34 index-key attributes
    # and most entities set a handful of them at most, so the walk was most of what building an
    # item costs: a bulk import builds ~6 items a row (issue 19 goal 4). These three do the same work
    # over what the class can default, what the constructor is given and what the record holds;
    # the result is identical.
    def _set_defaults(self, _user_instantiated: bool = True) -> None:
        for name, attr in _plan(type(self)).defaulted:
            for_new = _user_instantiated and attr.default_for_new is not None
            default = attr.default_for_new if for_new else attr.default
            value = default() if callable(default) else default
            if value is not None:
                setattr(self, name, value)

    def _set_attributes(self, **attributes: Any) -> None:
        plain = _plan(type(self)).plainly_set
        known = self.get_attributes()
        for name, value in attributes.items():
            if name in plain:
                self.attribute_values[name] = value  # what Attribute.__set__ stores, by the same name
            elif name in known:
                setattr(self, name, value)  # an attribute that converts what it is given
            else:
                raise ValueError(f"Attribute {name} specified does not exist")

    def _container_serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        plan = _plan(type(self)).serialization
        serialized: dict[str, dict[str, Any]] = {}
        for name, value in self.attribute_values.items():
            if value is None:
                continue
            attr_name, attr_type, attr = plan[name]
            if attr is None:  # an attribute that stores the value as given (text, mostly)
                serialized[attr_name] = {attr_type: value}
                continue
            try:
                if isinstance(value, MapAttribute) and not value.validate(null_check=null_check):
                    raise ValueError(f"Attribute '{name}' is not correctly typed")
                if isinstance(attr, (ListAttribute, MapAttribute)):
                    attr_value = attr.serialize(value, null_check=null_check)
                else:
                    attr_value = attr.serialize(value)
            except AttributeNullError as error:
                error.prepend_path(name)
                raise
            if attr_value is not None:
                serialized[attr_name] = {attr_type: attr_value}
        if null_check:
            for name, attr in _plan(type(self)).required:
                if attr.attr_name not in serialized:
                    raise AttributeNullError(name)
        return serialized


@dataclass(frozen=True, slots=True)
class _AttributePlan:
    """What TableRecord's three walks need to know of a record class, worked out once per class."""

    # name -> (stored name, stored type, the attribute when its `serialize` does more than return
    # the value; None: the value is stored as given)
    serialization: dict[str, tuple[str, str, Attribute[Any] | None]]
    defaulted: tuple[tuple[str, Attribute[Any]], ...]  # a default for new or for read records
    # assignment only stores the value (Attribute.__set__ itself: not a version, TTL,
    # discriminator or map attribute, which convert or check what they are given)
    plainly_set: frozenset[str]
    required: tuple[tuple[str, Attribute[Any]], ...]  # may not be null: a write without one fails


def _plan(cls: type[TableRecord]) -> _AttributePlan:
    found: _AttributePlan | None = cls.__dict__.get("_attribute_plan")
    if found is None:
        attributes = cls.get_attributes().items()
        found = _AttributePlan(
            serialization={
                name: (
                    attr.attr_name,
                    attr.attr_type,
                    None if type(attr).serialize is Attribute.serialize else attr,
                )
                for name, attr in attributes
            },
            defaulted=tuple(
                (name, attr)
                for name, attr in attributes
                if attr.default is not None or attr.default_for_new is not None
            ),
            plainly_set=frozenset(
                name for name, attr in attributes if type(attr).__set__ is Attribute.__set__
            ),
            required=tuple((name, attr) for name, attr in attributes if not attr.null),
        )
        type.__setattr__(cls, "_attribute_plan", found)  # per class: a subclass has its own
    return found


def index_by_number(number: int) -> GlobalSecondaryIndex[Any]:
    index: GlobalSecondaryIndex[Any] = getattr(TableRecord, f"gsi{number}")
    return index


def index_entry(item: Mapping[str, Any], number: int) -> dict[str, Any] | None:
    """The item GSI<number> stores for a low-level table item, by the index's projection (None
    when the item is not in the index): what the index is billed for on a write."""
    pk, sk = f"GSI{number}PK", f"GSI{number}SK"
    if pk not in item or sk not in item:
        return None
    projection = index_by_number(number).Meta.projection
    if projection.projection_type == "ALL":
        return dict(item)
    names = {"PK", "SK", pk, sk, *(projection.non_key_attributes or ())}
    return {name: value for name, value in item.items() if name in names}


def set_index_keys(record: TableRecord, pairs: Mapping[int, tuple[str, str] | None]) -> None:
    """Write an item's GSI<n>PK/GSI<n>SK from `{n: (partition, sort)}`; an index whose pair is
    None is left unset, so the item stays out of that (sparse) index."""
    for number, pair in pairs.items():
        if pair is not None:
            setattr(record, f"gsi{number}pk", pair[0])
            setattr(record, f"gsi{number}sk", pair[1])


@after_restore
def _drop_table_connections() -> None:
    """PynamoDB keeps one connection (botocore session and client) per model class, made on first use;
    one made before the snapshot has the snapshot's sockets and credentials."""
    pending: list[type[TableRecord]] = [TableRecord]
    while pending:
        model = pending.pop()
        model._connection = None
        pending.extend(model.__subclasses__())
