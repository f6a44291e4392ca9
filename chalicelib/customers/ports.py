"""What the customer services need from storage: the customer repository and the password-reset request queue.

DynamoDB implements them in customers.repository and customers.reset_requests; the in-memory fakes
in tests/fakes/customers.py run the same contract tests."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.core.pacing import WritePace
from chalicelib.customers.domain import (
    AccountToken,
    Connection,
    Consent,
    Customer,
    CustomerQuery,
    CustomerView,
    PendingRegistration,
    ResetRequest,
    TokenScope,
)
from chalicelib.models.paging import Page


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
        self,
        creates: list[Customer],
        updates: list[tuple[Customer, Customer]],
        token: str,
        pace: WritePace | None = None,
    ) -> dict[str, Exception]:
        """Bulk creates and updates; returns the rows that failed, by customer id. With a `pace`,
        writes DynamoDB throttles are sent again after its backoff, never failed.
        Raises: ServiceUnavailableError (still throttled when the pace gave up)."""

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


class ResetRequestQueue(Protocol):
    def put(self, request: ResetRequest) -> None: ...

    def oldest(self, limit: int) -> list[ResetRequest]: ...

    def delete(self, request: ResetRequest) -> None:
        """Idempotent: deleting a request already deleted is not an error."""
