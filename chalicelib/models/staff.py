"""Back-office staff and login-throttle persistence shapes."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.models.base import TableRecord


class EmployeeRecord(TableRecord, discriminator="EMPLOYEE"):
    """A back-office employee.

    Key design:
      PK = EMPLOYEE#<id>  SK = PROFILE   → #15 employee by id (GetItem)
      GSI1 EMPLOYEES / <id>              → employees list (a handful of rows; admin-only writes)
    """

    employee_id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    role = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    language = UnicodeAttribute(default="en")
    session_generation = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class EmployeeEmailRecord(TableRecord, discriminator="EMPLOYEE_EMAIL"):
    """Uniqueness guard and lookup for an employee's e-mail.

    Key design:
      PK = EMPLOYEE_EMAIL#<normalised email>  SK = EMAIL  → #15 employee by e-mail (GetItem)
    """

    employee_id = UnicodeAttribute()


class ThrottleRecord(TableRecord, discriminator="THROTTLE"):
    """Failed-attempt counter for one subject (hashed e-mail or IP) in a time window.

    Key design:
      PK = THROTTLE#<scope>#<sha256(subject)>  SK = <window start>  → #15 (GetItem / UpdateItem ADD)
    Expires through TTL after the window; correctness never depends on TTL having run, because the
    window start is part of the key.
    """

    failures = NumberAttribute(default=0)
