"""Repository ports: what services need from storage. DynamoDB and in-memory fakes implement
them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from chalicelib.addresses.domain import Address, AddressFilters
from chalicelib.customers.domain import (
    AccountToken,
    Connection,
    Customer,
    CustomerQuery,
    CustomerView,
    PendingRegistration,
    ResetRequest,
    TokenScope,
)
from chalicelib.imports.domain import ExportJob, ImportJob, ImportMapping, PreviewRow, RowError
from chalicelib.models.paging import Page
from chalicelib.privacy.domain import Consent
from chalicelib.shop.domain import ConfigEntry, ConfigKind, DeleteOutcome, ShopConfig
from chalicelib.staff.domain import Employee
from chalicelib.storefront_keys.domain import StorefrontKey


class CustomerRepository(Protocol):
    def create(self, customer: Customer) -> None:
        """Store a new customer and claim its e-mail. Raises: AlreadyExistsError (e-mail taken or blocked)."""

    def get(self, customer_id: str) -> Customer | None:
        """One customer by id, or None."""

    def get_by_email(self, email: str) -> Customer | None:
        """One customer by (any-case) e-mail, or None."""

    def is_email_blocked(self, email: str) -> bool:
        """True when a deleted customer's e-mail was kept blocked."""

    def view(self, customer_id: str) -> CustomerView | None:
        """Profile, memberships and last connections in one read, or None."""

    def update(self, before: Customer, after: Customer) -> None:
        """Replace `before` with `after` (version-checked).

        Raises: ConflictError, AlreadyExistsError, NotFoundError.
        """

    def delete(self, customer: Customer, *, keep_email_blocked: bool) -> None:
        """Delete the customer and its collection. Raises: ConflictError, NotFoundError."""

    def list_page(self, query: CustomerQuery) -> Page[Customer]:
        """One page of customers, filtered and sorted, with the position of the next page."""

    def count_at_most(self, query: CustomerQuery, at_most: int) -> int:
        """How many customers the query matches, counting no further than at_most + 1."""

    def search(self, text: str, by: str, limit: int) -> list[Customer]:
        """Customers whose names / e-mail / connection IPs start with `text` (folded)."""

    def add_connection(self, customer_id: str, connection: Connection) -> None:
        """Record a storefront sign-in."""

    def get_many_by_email(self, emails: list[str]) -> tuple[dict[str, Customer], set[str]]:
        """Customers keyed by normalised e-mail, and the blocked e-mails among those asked."""

    def get_many_by_ref(self, refs: list[str]) -> dict[str, Customer]:
        """Customers by their reference in the shop's previous system (the import's match key)."""

    def get_many(self, customer_ids: list[str]) -> dict[str, Customer]: ...

    def write_batch(
        self, creates: list[Customer], updates: list[tuple[Customer, Customer]], token: str
    ) -> dict[str, Exception]:
        """Bulk creates and updates; returns the rows that failed, by customer id."""

    def put_account_token(self, token: AccountToken) -> None:
        """Store a single-use token (by hash)."""

    def get_account_token(self, token_hash: str, scope: TokenScope) -> AccountToken | None:
        """The token if it was minted for a flow of `scope` (others are not found)."""

    def create_consuming_token(self, customer: Customer, token: AccountToken) -> None:
        """Create `customer` and delete the token in one transaction.

        Raises: InvalidTokenError (token already used), AlreadyExistsError (e-mail taken).
        """

    def put_pending_registration(
        self, pending: PendingRegistration, token: AccountToken, quiet_since: datetime
    ) -> bool:
        """Store the registration and its verify_email token unless the address got one after
        `quiet_since` (a condition on the write, not a read first). False: nothing written."""

    def get_pending_registration(self, email: str) -> PendingRegistration | None: ...

    def delete_pending_registration(self, email: str) -> None: ...

    def update_consuming_token(self, before: Customer, after: Customer, token: AccountToken) -> None:
        """Apply `after` and delete the token in one transaction.

        Raises: InvalidTokenError (token already used), ConflictError, NotFoundError.
        """

    def consent_history(self, customer_id: str) -> list[Consent]:
        """Every recorded consent change of a customer, oldest first."""


class AddressRepository(Protocol):
    def create(self, address: Address) -> None: ...

    def get(self, address_id: str) -> Address | None: ...

    def update(self, before: Address, after: Address) -> None:
        """Raises: NotFoundError, ConflictError (stale version)."""

    def delete(self, address: Address) -> bool:
        """Delete, or hide when orders use it (returns False then). Raises: NotFoundError, ConflictError."""

    def list_page(
        self, filters: AddressFilters, limit: int, position: dict[str, Any] | None
    ) -> Page[Address]: ...


class EmployeeRepository(Protocol):
    def create(self, employee: Employee) -> None:
        """Raises: AlreadyExistsError when the e-mail is taken."""

    def get(self, employee_id: str) -> Employee | None: ...

    def get_by_email(self, email: str) -> Employee | None: ...

    def update(self, before: Employee, after: Employee) -> None:
        """Raises: ConflictError, AlreadyExistsError, NotFoundError."""

    def delete(self, employee: Employee) -> None:
        """Raises: NotFoundError."""

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[Employee]: ...

    def count(self) -> int:
        """How many employees exist (bounded read of the EMPLOYEES partition)."""


class ConfigRepository(Protocol):
    def load(self) -> ShopConfig:
        """The whole shop configuration in one read."""

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        """Write the settings document; with only_if_absent, False when one already exists."""

    def put_entry(self, entry: ConfigEntry, *, only_if_absent: bool = False) -> bool:
        """Create or replace an entry's document, keeping its usage counter."""

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, only_if_unused: bool) -> DeleteOutcome:
        """Delete an entry; with only_if_unused, not while its usage counter is above zero."""


class ThrottleRepository(Protocol):
    def failures(self, scope: str, subject: str, window_start: datetime) -> int: ...

    def add_failure(
        self, scope: str, subject: str, window_start: datetime, expires_at: datetime, amount: int = 1
    ) -> int:
        """Atomically add `amount` to the counter and return the new count."""


class StorefrontKeyRepository(Protocol):
    def create(self, key: StorefrontKey) -> None:
        """Raises: AlreadyExistsError."""

    def get(self, key_id: str) -> StorefrontKey | None: ...

    def list(self) -> list[StorefrontKey]:
        """Every key, revoked ones included, oldest first."""

    def revoke(self, key_id: str, at: datetime) -> StorefrontKey:
        """Raises: NotFoundError."""


class ImportRepository(Protocol):
    def create(self, job: ImportJob) -> None: ...

    def get(self, import_id: str) -> ImportJob | None: ...

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        """Version-checked. Raises: ConflictError (another run advanced the job)."""

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]: ...

    def put_errors(self, import_id: str, errors: list[RowError]) -> None: ...

    def errors_page(self, import_id: str, limit: int, position: dict[str, Any] | None) -> Page[RowError]: ...

    def all_errors(self, import_id: str) -> Iterator[RowError]: ...

    def clear_errors(self, import_id: str) -> None: ...

    def put_preview(
        self, import_id: str, rows: list[PreviewRow], at: datetime, expires: datetime
    ) -> None: ...

    def get_preview(self, import_id: str) -> list[PreviewRow]: ...

    def delete_preview(self, import_id: str) -> None:
        """Idempotent: no preview is not an error."""

    def create_mapping(self, mapping: ImportMapping) -> ImportMapping:
        """Raises: AlreadyExistsError (the name, in any case, is taken)."""

    def get_mapping(self, name: str) -> ImportMapping | None: ...

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]: ...

    def save_mapping(self, before: ImportMapping, after: ImportMapping) -> ImportMapping:
        """Version-checked. Raises: ConflictError."""

    def delete_mapping(self, name: str) -> bool:
        """False when there was no such mapping."""

    def save_export(self, job: ExportJob) -> None: ...

    def get_export(self, export_id: str) -> ExportJob | None: ...


class ResetRequestQueue(Protocol):
    def put(self, request: ResetRequest) -> None: ...

    def oldest(self, limit: int) -> list[ResetRequest]: ...

    def delete(self, request: ResetRequest) -> None:
        """Idempotent: deleting a request already deleted is not an error."""


class SuppressionRepository(Protocol):
    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        """Record that a guest address unsubscribed from a channel (idempotent)."""

    def is_suppressed(self, email_hash: str, channel: str) -> bool: ...

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        """Record a guest's double opt-in; False when it was already recorded."""

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None: ...
