"""Customer domain object ↔ PynamoDB record, and the list summary carried by memberships."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import Consent, Customer, ImportRow
from chalicelib.customers.query_plan import index_partitions, index_sort_keys
from chalicelib.models import keys
from chalicelib.models.base import set_index_keys
from chalicelib.models.customers import CustomerRecord
from chalicelib.models.mapping import RecordMapping, from_document, to_document

# What a membership item does NOT carry: a list row shows every other field of the profile (so a new
# field reaches the group members list by itself), never a secret or the private note.
SUMMARY_EXCLUDED = (
    "note",
    "password_hash",
    "password_pending",
    "session_generation",
    "consents",
    "import_rows",
)

# Every other field is copied by name (models/mapping.py); these are stored in their own shapes.
_PROFILE = RecordMapping(
    Customer, CustomerRecord, renames={"id": "customer_id"}, exclude=("consents", "import_rows")
)


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
    record = _PROFILE.to_record(
        customer,
        keys.customer_pk(customer.id),
        keys.PROFILE,
        email_normalised=normalise_email(customer.email),
        status=customer.status,
        consents=[consent_to_json(c) for c in customer.consents] or None,
        import_rows=[import_row_to_json(r) for r in customer.import_rows] or None,
    )
    partitions, sort_keys = index_partitions(customer), index_sort_keys(customer)
    set_index_keys(record, {number: (partitions[number], sort_keys[number]) for number in partitions})
    return record


def from_record(record: CustomerRecord) -> Customer:
    return _PROFILE.from_record(
        record,
        consents=tuple(consent_from_json(c) for c in record.consents or ()),
        import_rows=tuple(import_row_from_json(r) for r in record.import_rows or ()),
    )


def to_summary(customer: Customer) -> dict[str, Any]:
    """A JSON-safe copy of the list fields (no password hash, no private note)."""
    return to_document(customer, exclude=SUMMARY_EXCLUDED)


def from_summary(summary: dict[str, Any]) -> Customer:
    return from_document(Customer, summary)
