"""Customer domain objects: what services work with and responses are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from chalicelib.addresses.domain import Address
from chalicelib.core.errors import (
    AlreadyExistsError,
)
from chalicelib.privacy.domain import Consent, ImportRow

CustomerStatus = Literal["active", "pending_approval", "disabled"]
CUSTOMER_STATUSES: tuple[CustomerStatus, ...] = ("active", "pending_approval", "disabled")
B2B_FIELDS = (
    "company",
    "siret",
    "ape",
    "website",
    "outstanding_allowed",
    "max_payment_days",
    "risk_rating",
)


def derive_status(*, enabled: bool, approved: bool) -> CustomerStatus:
    """Approval comes first: a not-yet-approved account is pending whatever its enabled flag."""
    if not approved:
        return "pending_approval"
    return "active" if enabled else "disabled"


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    first_name: str
    last_name: str
    registered_at: datetime
    created_at: datetime
    updated_at: datetime
    title_id: str | None = None
    birthday: date | None = None
    enabled: bool = True
    approved: bool = True
    newsletter: bool = False
    optin: bool = False
    is_guest: bool = False
    language: str = "en"
    group_ids: tuple[str, ...] = ()
    default_group_id: str | None = None
    last_visit_at: datetime | None = None
    note: str | None = None
    merchant_ref: str | None = None
    b2b: dict[str, Any] = field(default_factory=dict)
    orders_count: int = 0
    total_spent: str = "0.00"
    last_order_at: datetime | None = None
    password_hash: str | None = None
    # "<import id>:<line>" while an import's plaintext password for this customer waits for a
    # password worker (issue 17 §4): the worker writes the hash only while this marker is still the
    # one its chunk names, and every other password change clears it, so a late or repeated chunk
    # never overwrites a password set since. Not a secret: it names a file line, not its content.
    password_pending: str | None = None
    # Customer tokens carry the generation they were issued in; a password reset moves it on,
    # which revokes every earlier token at once.
    session_generation: int = 0
    # Current consent per channel (history items are written beside the profile on each change).
    consents: tuple[Consent, ...] = ()
    # The newest CSV rows that created or changed this customer (import id and line).
    import_rows: tuple[ImportRow, ...] = ()
    version: int = 0

    @property
    def status(self) -> CustomerStatus:
        return derive_status(enabled=self.enabled, approved=self.approved)


TokenPurpose = Literal["reset", "set_password", "verify_email", "erase"]
# The flow that accepts a token of each purpose. The scope is part of the token's key, so a token
# minted for one flow is simply not found by another (an erase link never resets a password).
TokenScope = Literal["password", "verify_email", "erase"]
TOKEN_SCOPES: dict[TokenPurpose, TokenScope] = {
    "reset": "password",
    "set_password": "password",
    "verify_email": "verify_email",
    "erase": "erase",
}


@dataclass(frozen=True)
class AccountToken:
    """A single-use link token; only its hash is ever stored."""

    token_hash: str
    customer_id: str
    purpose: TokenPurpose
    valid_until: datetime
    # verify_email links only: the address whose pending registration the link confirms.
    email: str | None = None


@dataclass(frozen=True)
class PendingRegistration:
    """A registration waiting for its e-mail link (the address is not proven yet).

    Nothing about the account changes before the link is used: a guest with this address stays a
    guest. Only the password's hash is kept."""

    email: str  # normalised
    token_hash: str
    password_hash: str
    # The RegisterRequest's other fields, as JSON (re-validated when the link is used).
    profile: dict[str, Any]
    # The id the account gets: the guest's when the address belongs to one, else a new id.
    customer_id: str
    guest: bool
    requested_at: datetime
    valid_until: datetime


@dataclass(frozen=True)
class ResetRequest:
    """A forgot-password request, queued by the route for the worker that mails the link."""

    id: str
    email: str
    requested_at: datetime


@dataclass(frozen=True)
class Connection:
    at: datetime
    ip: str
    user_agent: str | None = None


@dataclass(frozen=True)
class CustomerView:
    customer: Customer
    connections: tuple[Connection, ...] = ()
    addresses: tuple[Address, ...] = ()


SortField = Literal["id", "last_name", "first_name", "email", "registered_at", "last_visit_at", "age"]
SORT_FIELDS: tuple[SortField, ...] = (
    "id",
    "last_name",
    "first_name",
    "email",
    "registered_at",
    "last_visit_at",
    "age",
)


@dataclass(frozen=True)
class CustomerFilters:
    """The list filters of API.md; None means "not filtered"."""

    id: str | None = None
    title_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    enabled: bool | None = None
    newsletter: bool | None = None
    optin: bool | None = None
    group_id: str | None = None
    company: str | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    last_visit_from: datetime | None = None
    last_visit_to: datetime | None = None
    birthday_from: date | None = None
    birthday_to: date | None = None
    is_guest: bool | None = None
    status: CustomerStatus | None = None


@dataclass(frozen=True)
class CustomerQuery:
    filters: CustomerFilters
    sort: SortField = "id"
    descending: bool = False
    limit: int = 50
    # False when the caller left the order to us: rows then come in the narrowest index's order.
    sort_given: bool = True
    # Repository-specific position, already verified (the service checks the signature).
    position: dict[str, Any] | None = None


class EmailTakenError(AlreadyExistsError):
    code = "EmailTaken"


class EmailBlockedError(AlreadyExistsError):
    code = "EmailBlocked"
