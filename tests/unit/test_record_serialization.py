"""TableRecord's own walks over a record's values (models/base.py) give exactly what PynamoDB's
generic walks over every declared attribute give: the same defaults, the same stored item, the
same error for a missing key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pynamodb.attributes import AttributeContainer
from pynamodb.exceptions import AttributeNullError

from chalicelib.customers.mapping import to_private_record, to_record
from chalicelib.customers.write_items import membership_record
from chalicelib.models.base import TableRecord
from chalicelib.models.carts import CartRecord
from chalicelib.models.customers import AccountTokenRecord, EmailRecord
from tests.factories import FIXED_NOW
from tests.unit.test_record_mapping import BARE, FULL


def _records() -> list[TableRecord]:
    token = AccountTokenRecord(
        "ACCOUNT_TOKEN#password#x",
        "TOKEN",
        customer_id="c1",
        purpose="password",
        valid_until="2026-11-24T10:00:00Z",
        expires_at=FIXED_NOW + timedelta(days=1),  # a TTL attribute converts what it is given
        email="a@example.com",
    )
    cart = CartRecord(
        "CART#k1",
        "CART",
        cart_id="k1",
        status="open",
        created_at="2026-11-23T10:00:00Z",
        updated_at="2026-11-23T10:00:00Z",
        lines=[{"sku": "A", "qty": 2}],
    )
    cart.version = 3
    return [
        to_record(FULL),
        to_record(BARE),
        to_private_record(FULL),
        membership_record(FULL, "g1"),
        EmailRecord("EMAIL#a@example.com", "EMAIL", customer_id="c1"),
        token,
        cart,
    ]


def _generic_serialize(record: TableRecord) -> dict[str, Any]:
    return AttributeContainer._container_serialize(record)


@pytest.mark.parametrize("record", _records(), ids=lambda r: type(r).__name__)
def test_a_record_serializes_to_the_item_pynamodb_itself_writes(record: TableRecord) -> None:
    assert record.serialize() == _generic_serialize(record)
    assert type(record).from_raw_data(record.serialize()).serialize() == _generic_serialize(record)


@pytest.mark.parametrize("record", _records(), ids=lambda r: type(r).__name__)
def test_a_new_record_gets_the_defaults_pynamodb_itself_sets(record: TableRecord) -> None:
    ours = type(record)()
    generic = type(record)()
    generic.attribute_values = {}
    generic._set_discriminator()
    AttributeContainer._set_defaults(generic)
    assert ours.attribute_values == generic.attribute_values


def test_a_record_without_its_key_is_refused_as_pynamodb_refuses_it() -> None:
    record = EmailRecord(customer_id="c1")
    with pytest.raises(AttributeNullError) as ours:
        record.serialize()
    with pytest.raises(AttributeNullError) as generic:
        _generic_serialize(record)
    assert str(ours.value) == str(generic.value)
    assert record.serialize(null_check=False) == AttributeContainer._container_serialize(
        record, null_check=False
    )


def test_an_unknown_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        EmailRecord("EMAIL#a", "EMAIL", no_such_attribute="x")
