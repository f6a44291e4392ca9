"""The single table: generic keys, overloaded GSIs, TTL and the entity discriminator.

Models declare shape and keys only; repositories do all I/O (no active record).
Index roles are documented in docs/keys.md and in each entity's `Key design:` docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import (
    DiscriminatorAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.settings import get_settings
from chalicelib.core.snapshots import after_restore

GSI_COUNT = 12


def _index(number: int) -> type[GlobalSecondaryIndex[Any]]:
    """Build GSI<n> with attributes GSI<n>PK / GSI<n>SK, all attributes projected."""
    meta = type("Meta", (), {"index_name": f"GSI{number}", "projection": AllProjection()})
    attrs: dict[str, Any] = {
        "Meta": meta,
        "pk": UnicodeAttribute(hash_key=True, attr_name=f"GSI{number}PK"),
        "sk": UnicodeAttribute(range_key=True, attr_name=f"GSI{number}SK"),
    }
    return type(f"GSI{number}", (GlobalSecondaryIndex,), attrs)


GSI1, GSI2, GSI3, GSI4, GSI5, GSI6, GSI7, GSI8, GSI9, GSI10, GSI11, GSI12 = (
    _index(n) for n in range(1, GSI_COUNT + 1)
)


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
    gsi10pk = UnicodeAttribute(null=True, attr_name="GSI10PK")
    gsi10sk = UnicodeAttribute(null=True, attr_name="GSI10SK")
    gsi11pk = UnicodeAttribute(null=True, attr_name="GSI11PK")
    gsi11sk = UnicodeAttribute(null=True, attr_name="GSI11SK")
    gsi12pk = UnicodeAttribute(null=True, attr_name="GSI12PK")
    gsi12sk = UnicodeAttribute(null=True, attr_name="GSI12SK")

    gsi1 = GSI1()
    gsi2 = GSI2()
    gsi3 = GSI3()
    gsi4 = GSI4()
    gsi5 = GSI5()
    gsi6 = GSI6()
    gsi7 = GSI7()
    gsi8 = GSI8()
    gsi9 = GSI9()
    gsi10 = GSI10()
    gsi11 = GSI11()
    gsi12 = GSI12()


def index_by_number(number: int) -> GlobalSecondaryIndex[Any]:
    index: GlobalSecondaryIndex[Any] = getattr(TableRecord, f"gsi{number}")
    return index


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
