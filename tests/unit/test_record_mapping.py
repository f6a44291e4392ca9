"""The generic domain ↔ record mapping (chalicelib/models/mapping.py) keeps the stored shapes the
hand-written mappers wrote, and maps every field both ways."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from chalicelib.customers.domain import Consent, Customer, ImportRow
from chalicelib.customers.mapping import (
    PRIVATE_FIELDS,
    SUMMARY_EXCLUDED,
    from_record,
    from_summary,
    has_private_part,
    to_private_record,
    to_record,
    to_summary,
)
from chalicelib.models.customers import CustomerPrivateRecord, CustomerRecord
from tests.factories import FIXED_NOW

FULL = Customer(
    id="c1",
    email="Ann.Lee@Example.com",
    first_name="Ann",
    last_name="Lee",
    registered_at=FIXED_NOW,
    created_at=FIXED_NOW,
    updated_at=FIXED_NOW,
    title_id="mrs",
    birthday=date(1990, 5, 6),
    enabled=False,
    approved=False,
    newsletter=True,
    optin=True,
    is_guest=True,
    language="fr",
    group_ids=("g1", "g2"),
    default_group_id="g1",
    last_visit_at=FIXED_NOW,
    note="private",
    merchant_ref="42",
    b2b={"company": "Acme", "max_payment_days": 30},
    orders_count=3,
    total_spent="9.00",
    last_order_at=FIXED_NOW,
    password_hash="hash",
    password_pending="imp:2",
    session_generation=2,
    consents=(Consent("newsletter", "granted", "double", "admin", FIXED_NOW),),
    import_rows=(ImportRow("imp", 2, "created", FIXED_NOW),),
    version=4,
)
AT = "2026-11-23T10:00:00Z"
BARE = Customer(
    id="c2",
    email="b@example.com",
    first_name="B",
    last_name="C",
    registered_at=FIXED_NOW,
    created_at=FIXED_NOW,
    updated_at=FIXED_NOW,
)


def _stored(customer: Customer) -> tuple[CustomerRecord, CustomerPrivateRecord]:
    """Through the wire format, as a read from the table sees it."""
    return (
        CustomerRecord.from_raw_data(to_record(customer).serialize()),
        CustomerPrivateRecord.from_raw_data(to_private_record(customer).serialize()),
    )


def test_every_customer_field_survives_the_records_both_ways() -> None:
    for customer in (FULL, BARE):
        assert from_record(*_stored(customer)) == customer


def test_the_profile_item_holds_no_private_field_and_a_list_row_reads_them_empty() -> None:
    record = to_record(FULL)
    assert all(getattr(record, name) is None for name in PRIVATE_FIELDS)
    profile, _ = _stored(FULL)
    assert from_record(profile) == from_summary(to_summary(FULL))
    assert has_private_part(FULL) and not has_private_part(BARE)


def test_a_profile_written_before_the_private_item_reads_its_private_part_from_itself() -> None:
    profile, private = _stored(FULL)
    # The private attributes on the profile item itself (its keys and discriminator kept).
    legacy = CustomerRecord.from_raw_data(profile.serialize() | private.serialize() | profile.serialize())
    assert from_record(legacy) == FULL


def test_the_record_keeps_the_stored_shapes_of_the_hand_written_mapper() -> None:
    record, private = to_record(FULL), to_private_record(FULL)
    assert (record.pk, record.sk) == ("CUSTOMER#c1", "PROFILE")
    assert (private.pk, private.sk) == ("CUSTOMER#c1", "PROFILE#PRIVATE")
    assert record.customer_id == "c1"
    assert record.gsi16sk.startswith("ann.lee@example.com")
    assert record.gsi18pk.startswith("CUSTOMERS#FLAGS#001")  # not approved, disabled, newsletter
    assert record.birthday == "1990-05-06"
    assert record.registered_at == record.last_visit_at == AT
    assert record.group_ids == ["g1", "g2"]
    assert record.b2b == {"company": "Acme", "max_payment_days": 30}
    assert private.consents == [
        {"channel": "newsletter", "state": "granted", "level": "double", "source": "admin", "at": AT}
    ]
    assert record.version == 4
    assert record.gsi11pk == "CUSTOMERS" and record.gsi11sk == "c1"
    assert record.gsi1pk is None  # in no overloaded index (docs/keys.md, "Projections")


def test_empty_and_unset_values_are_not_stored() -> None:
    record, private = to_record(BARE), to_private_record(BARE)
    assert record.b2b is None and private.consents is None and private.import_rows is None
    assert record.birthday is None and record.last_visit_at is None
    # Version 0 stays unset, so PynamoDB writes the first version under "does not exist".
    assert record.version is None


def test_the_membership_summary_carries_every_field_but_secrets_and_the_note() -> None:
    summary = json.loads(json.dumps(to_summary(FULL)))
    assert set(summary) == {f.name for f in dataclasses.fields(Customer)} - set(SUMMARY_EXCLUDED)
    assert "password_hash" not in summary and "note" not in summary
    assert summary["birthday"] == "1990-05-06" and summary["group_ids"] == ["g1", "g2"]
    assert from_summary(summary) == dataclasses.replace(
        FULL,
        note=None,
        password_hash=None,
        password_pending=None,
        session_generation=0,
        consents=(),
        import_rows=(),
    )


def test_a_summary_written_before_a_field_existed_reads_with_the_fields_default() -> None:
    summary = to_summary(BARE)
    del summary["language"], summary["created_at"]
    customer = from_summary(summary)
    assert customer.language == "en"
    assert customer.created_at is None  # as the hand-written reader did for a missing date
