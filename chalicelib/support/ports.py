"""What the customer-service services need from storage: the thread repository and the mailbox
bookkeeping (kept-but-unprocessed mail, each mail source's poll state).

DynamoDB implements them in support.repository and support.mailboxes; the in-memory fakes in
tests/fakes/support.py run the same contract tests (tests/contract/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.models.paging import Page
from chalicelib.support.domain import (
    DayStats,
    MailboxState,
    Message,
    Thread,
    ThreadEvent,
    ThreadFilters,
    ThreadView,
    UnprocessedMail,
)


@dataclass(frozen=True)
class ThreadWrite:
    """One change to a thread, all in one TransactWriteItems: the thread (created, or version-
    checked), new messages and events, Message-IDs registered to it (conditional: a Message-ID
    already known cancels the write — that is the dedupe), the subject tag of a new thread, the
    contact's counters and the day's statistics."""

    before: Thread | None
    after: Thread
    messages: tuple[Message, ...] = ()
    events: tuple[ThreadEvent, ...] = ()
    message_ids: tuple[str, ...] = ()
    stats_day: date | None = None
    stats: DayStats = field(default_factory=DayStats)
    new_thread_for_contact: bool = False


class ThreadRepository(Protocol):
    def get(self, thread_id: str) -> Thread | None:
        """One thread by id, or None (also for ids too long to be ours)."""

    def view(self, thread_id: str) -> ThreadView | None:
        """The thread with its newest messages and events (oldest first), or None."""

    def write(self, change: ThreadWrite) -> None:
        """Apply one change atomically. Raises: TransactionCancelledError naming the items whose
        condition failed ("thread": created twice or changed since read; "message_id": a
        Message-ID already registered; "contact": the contact is gone)."""

    def list_page(self, filters: ThreadFilters, limit: int, position: dict[str, Any] | None) -> Page[Thread]:
        """Threads matching `filters`, most recent message first."""

    def oldest_unanswered(self) -> Thread | None:
        """The unanswered thread whose last message is the oldest, or None."""

    def for_customer(self, customer_id: str, limit: int) -> list[Thread]: ...

    def latest_for_email(self, email: str, limit: int = 20) -> list[Thread]:
        """Threads filed under this (any-case) e-mail, most recent first."""

    def thread_for_message_id(self, message_id: str) -> str | None:
        """The thread a Message-ID (with or without <>, any case) was registered to, or None."""

    def thread_for_tag(self, tag: str) -> str | None:
        """The thread whose subject tag this is, or None."""

    def stats(self, first: date, last: date) -> list[tuple[date, DayStats]]:
        """The days from `first` to `last` (inclusive) that have statistics, oldest first."""


class MailboxRepository(Protocol):
    def keep(self, mail: UnprocessedMail) -> bool:
        """Record an unprocessed message once; False when it was already recorded (its attempt
        counter and reason are brought up to date then)."""

    def get_unprocessed(self, unprocessed_id: str) -> UnprocessedMail | None: ...

    def resolve(self, unprocessed_id: str) -> None:
        """Forget a kept message (missing ones are fine)."""

    def unprocessed_page(self, limit: int, position: dict[str, Any] | None) -> Page[UnprocessedMail]:
        """Kept messages, most recently received first."""

    def unprocessed_from(self, normalised_email: str, limit: int) -> list[UnprocessedMail]:
        """Kept messages from one address: erasure's lookup."""

    def unprocessed_before(self, before: datetime, limit: int) -> list[UnprocessedMail]:
        """The oldest kept messages received before `before`, oldest first."""

    def state(self, source: str) -> MailboxState:
        """A mail source's poll state (a fresh one when it never ran)."""

    def states(self) -> list[MailboxState]:
        """Every mail source's state, by source name."""

    def save_state(self, state: MailboxState) -> None:
        """Last writer wins."""
