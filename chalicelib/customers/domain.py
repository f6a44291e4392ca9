"""Customer domain objects: what services work with and responses are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from chalicelib.addresses.domain import Address
from chalicelib.core.errors import (
    AlreadyExistsError,
)

# -- consent per channel (with its history) and import provenance: the profile holds both -------
ConsentChannel = Literal["email_marketing", "partner_offers", "cart_reminders"]
CONSENT_CHANNELS: tuple[ConsentChannel, ...] = ("email_marketing", "partner_offers", "cart_reminders")
ConsentState = Literal["subscribed", "unsubscribed", "not_subscribed"]
OptInLevel = Literal["single", "confirmed"]
ConsentSource = Literal["storefront", "admin", "import", "unsubscribe_link", "double_opt_in"]
# The profile's booleans are views of two channels: newsletter = email_marketing, optin = partner_offers.
FLAG_CHANNELS: tuple[tuple[str, ConsentChannel], ...] = (
    ("newsletter", "email_marketing"),
    ("optin", "partner_offers"),
)
# How many import rows a profile remembers (the newest): enough to answer "where did this come from".
IMPORT_ROWS_KEPT = 20


@dataclass(frozen=True)
class Consent:
    """One channel's state as it was set at `at` (the current state, or a history entry)."""

    channel: ConsentChannel
    state: ConsentState
    level: OptInLevel
    source: ConsentSource
    at: datetime


@dataclass(frozen=True)
class ImportRow:
    """A CSV row that created or changed a customer (ids and line numbers only, never content)."""

    import_id: str
    line: int
    action: Literal["created", "updated"]
    at: datetime


def state_of(consents: tuple[Consent, ...], channel: ConsentChannel) -> ConsentState:
    for consent in consents:
        if consent.channel == channel:
            return consent.state
    return "not_subscribed"


def with_consent(consents: tuple[Consent, ...], consent: Consent) -> tuple[Consent, ...]:
    """`consents` with `consent` replacing its channel's entry (channels kept in a stable order)."""
    others = {c.channel: c for c in consents if c.channel != consent.channel}
    others[consent.channel] = consent
    return tuple(others[channel] for channel in CONSENT_CHANNELS if channel in others)


def consent_changes(before: tuple[Consent, ...], after: tuple[Consent, ...]) -> list[Consent]:
    """The entries of `after` that are new (each becomes a history item)."""
    old = set(before)
    return [consent for consent in after if consent not in old]


def follow_flags(
    before: tuple[Consent, ...], flags: dict[str, bool], source: ConsentSource, at: datetime
) -> tuple[Consent, ...]:
    """Consents after the profile's newsletter / optin flags were set to `flags`: ticking a box
    subscribes (single opt-in), unticking one that was subscribed unsubscribes; unchanged boxes
    leave the channel alone."""
    consents = before
    for flag, channel in FLAG_CHANNELS:
        if flag not in flags:
            continue
        state = state_of(consents, channel)
        if flags[flag] and state != "subscribed":
            consents = with_consent(consents, Consent(channel, "subscribed", "single", source, at))
        elif not flags[flag] and state == "subscribed":
            consents = with_consent(consents, Consent(channel, "unsubscribed", "single", source, at))
    return consents


def flag_values(consents: tuple[Consent, ...]) -> dict[str, bool]:
    """newsletter / optin as the consents say."""
    return {flag: state_of(consents, channel) == "subscribed" for flag, channel in FLAG_CHANNELS}


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
