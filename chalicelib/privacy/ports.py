"""What the privacy services need from storage: the suppression list of unsubscribed guest
addresses (with the guests' double opt-ins), and the privacy repository: erasure jobs, what blocks
an erasure, retention's lookups and the item-level erasure steps.

DynamoDB implements both in privacy.repository; the in-memory fakes in tests/fakes/privacy.py run
the same contract tests (tests/contract/)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.carts.domain import Cart
from chalicelib.customers.domain import TokenScope
from chalicelib.privacy.domain import ErasureJob


class SuppressionRepository(Protocol):
    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        """Record that a guest address unsubscribed from a channel (idempotent)."""

    def is_suppressed(self, email_hash: str, channel: str) -> bool: ...

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        """Record a guest's double opt-in; False when it was already recorded."""

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None: ...


class PrivacyRepository(SuppressionRepository, Protocol):
    """Each erasure step works on one page of one keyed partition and is idempotent, so a step cut
    short by a failure is simply run again."""

    # -- guest opt-ins
    def opt_ins(self, email_hash: str) -> list[tuple[str, str, str]]:
        """Every confirmed guest consent of an address: (channel, source, at)."""

    def delete_opt_ins(self, email_hash: str) -> int:
        """Forget an address's confirmed guest consents; returns how many."""

    # -- erasure jobs
    def get_job(self, customer_id: str) -> ErasureJob | None: ...

    def start_job(self, job: ErasureJob) -> ErasureJob:
        """Create the job (version 1), or return the one already there."""

    def save_job(self, before: ErasureJob, after: ErasureJob) -> ErasureJob:
        """Version-checked checkpoint. Raises: ConflictError (another run moved the job on)."""

    def jobs(self, status: str, limit: int) -> list[ErasureJob]:
        """Jobs "running" or "done"."""

    def audit(self, limit: int) -> list[ErasureJob]:
        """Erasures, newest first."""

    # -- what blocks an erasure
    def open_orders(self, customer_id: str) -> int:
        """How many of the customer's orders are still pending, processing or shipped."""

    def consume_token(self, token_hash: str, scope: TokenScope, customer_id: str) -> bool:
        """Delete the customer's single-use account token of `scope`; False when it is not there."""

    # -- retention
    def old_guest_ids(self, created_before_id: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        """(id, orders_count) of guests with ids below `created_before_id` (and above `after`), by id."""

    def abandoned_carts_before(self, before_iso: str, limit: int) -> list[Cart]:
        """Abandoned carts last touched before `before_iso`, oldest first."""

    # -- steps
    def thread_ids_by_email(self, email: str, limit: int) -> list[str]:
        """Threads still filed under this (any-case) e-mail."""

    def thread_ids_of(self, customer_id: str, after: str | None, limit: int) -> list[tuple[str, str]]:
        """(thread id, position) of the customer's threads after the position `after`."""

    def anonymise_thread(self, thread_id: str) -> int:
        """Replace the thread's e-mail, subject, message bodies, senders and attachment lists with
        placeholders; returns items written (a second run rewrites only the version-checked thread
        item). Raises: ConflictError (the thread changed meanwhile; run the step again)."""

    def thread_raw_keys(self, thread_id: str) -> list[str]:
        """The raw-mail objects the thread's messages were received as."""

    def anonymise_orders(self, customer_id: str, after: str | None, limit: int) -> tuple[int, str | None]:
        """Anonymise one page of the customer's order addresses: (orders written, position of the
        page's last order, or None when there was none)."""

    def delete_carts(self, customer_id: str, limit: int) -> int:
        """Delete one page of the customer's carts; returns how many."""

    def open_links(self, customer_id: str) -> list[tuple[str, str]]:
        """(purpose, valid_until) of the customer's unused account links."""

    def guest_carts(self, email: str, limit: int) -> list[Cart]:
        """Carts opened by a guest with this e-mail and never attached to an account."""

    def delete_guest_carts(self, email: str, limit: int) -> int: ...

    def delete_tokens(self, customer_id: str, limit: int) -> int:
        """Delete one page of the customer's account tokens; returns how many."""

    def delete_collection_items(self, customer_id: str, limit: int) -> int:
        """Delete one page of the customer's items except the profile and its memberships."""
