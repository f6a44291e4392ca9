"""Customer domain object ↔ PynamoDB record, and the list summary carried by memberships."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import Customer
from chalicelib.customers.query_plan import index_partitions, index_sort_keys
from chalicelib.models import keys
from chalicelib.models.customers import CustomerRecord
from chalicelib.privacy.domain import Consent, ImportRow

# What a membership item carries: everything a list row shows, nothing secret.
SUMMARY_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "title_id",
    "birthday",
    "enabled",
    "approved",
    "newsletter",
    "optin",
    "is_guest",
    "language",
    "group_ids",
    "default_group_id",
    "registered_at",
    "last_visit_at",
    "merchant_ref",
    "b2b",
    "orders_count",
    "total_spent",
    "last_order_at",
    "created_at",
    "updated_at",
    "version",
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
    record = CustomerRecord(
        keys.customer_pk(customer.id),
        keys.PROFILE,
        customer_id=customer.id,
        email=customer.email,
        email_normalised=normalise_email(customer.email),
        first_name=customer.first_name,
        last_name=customer.last_name,
        title_id=customer.title_id,
        password_hash=customer.password_hash,
        password_pending=customer.password_pending,
        session_generation=customer.session_generation,
        consents=[consent_to_json(c) for c in customer.consents] or None,
        import_rows=[import_row_to_json(r) for r in customer.import_rows] or None,
        birthday=customer.birthday.isoformat() if customer.birthday else None,
        enabled=customer.enabled,
        approved=customer.approved,
        newsletter=customer.newsletter,
        optin=customer.optin,
        is_guest=customer.is_guest,
        status=customer.status,
        language=customer.language,
        group_ids=list(customer.group_ids),
        default_group_id=customer.default_group_id,
        registered_at=iso(customer.registered_at),
        last_visit_at=iso(customer.last_visit_at) if customer.last_visit_at else None,
        note=customer.note,
        merchant_ref=customer.merchant_ref,
        b2b=dict(customer.b2b) or None,
        orders_count=customer.orders_count,
        total_spent=customer.total_spent,
        last_order_at=iso(customer.last_order_at) if customer.last_order_at else None,
        created_at=iso(customer.created_at),
        updated_at=iso(customer.updated_at),
    )
    partitions, sort_keys = index_partitions(customer), index_sort_keys(customer)
    for number in partitions:
        setattr(record, f"gsi{number}pk", partitions[number])
        setattr(record, f"gsi{number}sk", sort_keys[number])
    if customer.version:
        record.version = customer.version
    return record


def from_record(record: CustomerRecord) -> Customer:
    b2b: dict[str, Any] = dict(record.b2b or {})
    return Customer(
        id=record.customer_id,
        email=record.email,
        first_name=record.first_name,
        last_name=record.last_name,
        title_id=record.title_id,
        password_hash=record.password_hash,
        password_pending=record.password_pending,
        session_generation=int(record.session_generation or 0),
        consents=tuple(consent_from_json(c) for c in record.consents or ()),
        import_rows=tuple(import_row_from_json(r) for r in record.import_rows or ()),
        birthday=date.fromisoformat(record.birthday) if record.birthday else None,
        enabled=record.enabled,
        approved=record.approved,
        newsletter=record.newsletter,
        optin=record.optin,
        is_guest=record.is_guest,
        language=record.language,
        group_ids=tuple(str(g) for g in record.group_ids or ()),
        default_group_id=record.default_group_id,
        registered_at=parse_iso(record.registered_at),
        last_visit_at=parse_iso(record.last_visit_at) if record.last_visit_at else None,
        note=record.note,
        merchant_ref=record.merchant_ref,
        b2b=dict(b2b),
        orders_count=int(record.orders_count),
        total_spent=record.total_spent,
        last_order_at=parse_iso(record.last_order_at) if record.last_order_at else None,
        created_at=parse_iso(record.created_at),
        updated_at=parse_iso(record.updated_at),
        version=int(record.version or 0),
    )


def to_summary(customer: Customer) -> dict[str, Any]:
    """A JSON-safe copy of the list fields (no password hash, no private note)."""
    summary: dict[str, Any] = {}
    for name in SUMMARY_FIELDS:
        value = getattr(customer, name)
        if value is None:
            continue
        if name in ("registered_at", "last_visit_at", "last_order_at", "created_at", "updated_at"):
            value = iso(value)
        elif name == "birthday":
            value = value.isoformat()
        elif name == "group_ids":
            value = list(value)
        elif name == "b2b":
            value = dict(value)
        summary[name] = value
    return summary


def from_summary(summary: dict[str, Any]) -> Customer:
    def when(name: str) -> Any:
        return parse_iso(summary[name]) if summary.get(name) else None

    return Customer(
        id=str(summary["id"]),
        email=str(summary["email"]),
        first_name=str(summary["first_name"]),
        last_name=str(summary["last_name"]),
        title_id=summary.get("title_id"),
        birthday=date.fromisoformat(summary["birthday"]) if summary.get("birthday") else None,
        enabled=bool(summary.get("enabled", True)),
        approved=bool(summary.get("approved", True)),
        newsletter=bool(summary.get("newsletter", False)),
        optin=bool(summary.get("optin", False)),
        is_guest=bool(summary.get("is_guest", False)),
        language=str(summary.get("language", "en")),
        group_ids=tuple(summary.get("group_ids") or ()),
        default_group_id=summary.get("default_group_id"),
        registered_at=when("registered_at"),
        last_visit_at=when("last_visit_at"),
        merchant_ref=summary.get("merchant_ref"),
        b2b=dict(summary.get("b2b") or {}),
        orders_count=int(summary.get("orders_count", 0)),
        total_spent=str(summary.get("total_spent", "0.00")),
        last_order_at=when("last_order_at"),
        created_at=when("created_at"),
        updated_at=when("updated_at"),
        version=int(summary.get("version", 0)),
    )
