"""What a previewed import shows, and the report a finished import leaves.

A preview row is the row as it would be stored, in our field names (the back-office shows it
next to the file's columns), never the password or its hash. The report lists the row errors by
line, then the warnings by column with their counts: neither holds a row's content.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.customers.domain import Customer
from chalicelib.imports import csv_format
from chalicelib.imports.domain import PREVIEW_ROWS, ImportWarning, PreviewRow, RowError


def customer_values(customer: Customer) -> dict[str, Any]:
    """A created or updated customer as the import would store it (JSON-ready)."""
    values: dict[str, Any] = {
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "title_id": customer.title_id,
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "enabled": customer.enabled,
        "newsletter": customer.newsletter,
        "optin": customer.optin,
        "language": customer.language,
        "group_ids": list(customer.group_ids),
        "default_group_id": customer.default_group_id,
        "registered_at": customer.registered_at.isoformat(),
        "last_visit_at": customer.last_visit_at.isoformat() if customer.last_visit_at else None,
        "merchant_ref": customer.merchant_ref,
        "company": customer.b2b.get("company"),
        # Whether a password comes with the row; never the password nor its hash.
        # (a plaintext one waits for the password workers: pending, not yet hashed).
        "has_password": customer.password_hash is not None or customer.password_pending is not None,
    }
    return {name: value for name, value in values.items() if value is not None}


# Cells a preview never keeps, whatever the row's fate: it is stored for days and shown in the UI.
SECRET_FIELDS = frozenset({"password", "password_hash"})


def row_values(values: dict[str, str | None]) -> dict[str, Any]:
    """A row's cells as read (our field names; a skipped, unchanged or failed row), without its
    password or hash."""
    return {k: v for k, v in values.items() if v is not None and k not in SECRET_FIELDS}


def preview_rows(
    stored: dict[int, tuple[str, dict[str, Any]]], errors: Iterable[RowError], limit: int = PREVIEW_ROWS
) -> list[PreviewRow]:
    """The first `limit` rows in line order, each with its errors."""
    by_line: dict[int, list[RowError]] = {}
    for error in errors:
        by_line.setdefault(error.line, []).append(error)
    lines = sorted(set(stored) | set(by_line))[:limit]
    rows = []
    for line in lines:
        action, values = stored.get(line, ("error", {}))
        row_errors = tuple(by_line.get(line, ()))
        rows.append(PreviewRow(line, "error" if row_errors else action, dict(values), row_errors))
    return rows


def report_csv(errors: Iterable[RowError], warnings: Iterable[ImportWarning]) -> bytes:
    """`Line;Column;Reason;Kind;Rows`: each row error, then each warning with how many rows it hit."""
    lines = csv_format.csv_lines(
        [
            ("Line", "Column", "Reason", "Kind", "Rows"),
            *((str(e.line), e.column, e.reason, "error", "1") for e in errors),
            *(("-", w.column, w.reason, "warning", str(w.count)) for w in warnings),
        ]
    )
    return ("\ufeff" + "".join(lines)).encode()
