"""Customer domain object ↔ PynamoDB record, and the list summary carried by memberships."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.customers.domain import Consent, Customer, ImportRow
from chalicelib.customers.query_plan import index_partitions, index_sort_keys
from chalicelib.models import keys
from chalicelib.models.base import set_index_keys
from chalicelib.models.customers import CustomerPrivateRecord, CustomerRecord
from chalicelib.models.mapping import RecordMapping, from_document, to_document

# The private part of a profile: what no list row shows (so neither a membership summary nor the
# profile item, which every index copies, carries it), never a secret or the private note in a
# list. It is the CustomerPrivateRecord beside the profile.
PRIVATE_FIELDS = (
    "note",
    "password_hash",
    "password_pending",
    "session_generation",
    "consents",
    "import_rows",
)
# What a membership item does NOT carry: a list row shows every other field of the profile (so a new
# field reaches the group members list by itself).
SUMMARY_EXCLUDED = PRIVATE_FIELDS

# Every other field is copied by name (models/mapping.py).
_PROFILE = RecordMapping(Customer, CustomerRecord, renames={"id": "customer_id"}, exclude=PRIVATE_FIELDS)


def consent_to_json(consent: Consent) -> dict[str, str]:
    return {
        "channel": consent.channel,
        "state": consent.state,
        "level": consent.level,
        "source": consent.source,
        "at": iso(consent.at),
    }


def consent_from_json(data: dict[str, Any]) -> Consent:
    return Consent(
        channel=data["channel"],
        state=data["state"],
        level=data.get("level", "single"),
        source=data.get("source", "admin"),
        at=parse_iso(data["at"]),
    )


def import_row_to_json(row: ImportRow) -> dict[str, Any]:
    return {"import_id": row.import_id, "line": row.line, "action": row.action, "at": iso(row.at)}


def import_row_from_json(data: dict[str, Any]) -> ImportRow:
    return ImportRow(
        import_id=str(data["import_id"]),
        line=int(data["line"]),
        action="created" if data.get("action") == "created" else "updated",
        at=parse_iso(data["at"]),
    )


def to_record(customer: Customer) -> CustomerRecord:
    """The profile item: the list row's fields and the index keys (the private part aside)."""
    record = _PROFILE.to_record(customer, keys.customer_pk(customer.id), keys.PROFILE)
    partitions, sort_keys = index_partitions(customer), index_sort_keys(customer)
    set_index_keys(record, {number: (partitions[number], sort_keys[number]) for number in partitions})
    return record


def has_private_part(customer: Customer) -> bool:
    return bool(
        customer.note
        or customer.password_hash
        or customer.password_pending
        or customer.session_generation
        or customer.consents
        or customer.import_rows
    )


def to_private_record(customer: Customer) -> CustomerPrivateRecord:
    return CustomerPrivateRecord(
        keys.customer_pk(customer.id),
        keys.PROFILE_PRIVATE,
        customer_id=customer.id,
        note=customer.note,
        password_hash=customer.password_hash,
        password_pending=customer.password_pending,
        session_generation=customer.session_generation,
        consents=[consent_to_json(c) for c in customer.consents] or None,
        import_rows=[import_row_to_json(r) for r in customer.import_rows] or None,
    )


def _private_values(source: CustomerPrivateRecord | CustomerRecord) -> dict[str, Any]:
    """The private fields from their item, or from a profile written before that item existed
    (the same attribute names: models/customers.py)."""
    return {
        "note": source.note,
        "password_hash": source.password_hash,
        "password_pending": source.password_pending,
        "session_generation": int(source.session_generation or 0),
        "consents": tuple(consent_from_json(c) for c in source.consents or ()),
        "import_rows": tuple(import_row_from_json(r) for r in source.import_rows or ()),
    }


def from_record(record: CustomerRecord, private: CustomerPrivateRecord | None = None) -> Customer:
    """A customer from its profile item and private item. Without the private item (a list row
    read from an index), the private fields are empty, as in a membership summary."""
    return _PROFILE.from_record(record, **_private_values(private if private is not None else record))


def to_summary(customer: Customer) -> dict[str, Any]:
    """A JSON-safe copy of the list fields (no password hash, no private note)."""
    return to_document(customer, exclude=SUMMARY_EXCLUDED)


def from_summary(summary: dict[str, Any]) -> Customer:
    return from_document(Customer, summary)
