"""Customer service: threads, their messages and events, and the counters they move."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ThreadStatus = Literal["open", "closed", "pending1", "pending2"]
THREAD_STATUSES: tuple[ThreadStatus, ...] = ("open", "closed", "pending1", "pending2")
Sender = Literal["customer", "employee", "system"]
MessageSource = Literal["form", "mail", "reply", "forward"]
EventKind = Literal["status", "forward", "assign"]
COUNTERS = ("open_count", "pending_count", "unread_count")


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    content_type: str
    key: str  # the S3 object key (employees get a presigned URL)


@dataclass(frozen=True)
class Message:
    id: str
    thread_id: str
    sender: Sender
    received_at: datetime
    text: str
    html: str | None = None
    email: str | None = None
    employee_id: str | None = None
    subject: str | None = None
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None  # the RFC 5322 Message-ID
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: bool = False
    source: MessageSource = "form"
    notes: tuple[str, ...] = ()
    # Where the received mail's raw copy is in the bucket (SES `inbound/…`, or the `unprocessed/…`
    # copy of a kept message that was threaded later), so erasure can delete it. None: no copy.
    raw_key: str | None = None


@dataclass(frozen=True)
class ThreadEvent:
    """A status change or a forward, recorded with who and when."""

    id: str
    thread_id: str
    kind: EventKind
    at: datetime
    employee_id: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thread:
    id: str
    contact_id: str
    email: str
    status: ThreadStatus
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    last_message_from: Sender
    subject: str = ""
    customer_id: str | None = None
    order_id: str | None = None
    product_id: str | None = None
    language: str = "en"
    unread: bool = False
    read_at: datetime | None = None
    assigned_employee_id: str | None = None
    message_count: int = 0
    first_response_at: datetime | None = None
    tag: str = ""
    last_customer_message_id: str | None = None  # RFC Message-ID the next reply answers
    references: tuple[str, ...] = ()
    # False for a thread an anonymous caller opened with the contact form: anyone can type any
    # address, so the e-mail is a claim, not a proven sender (issue 16 §2.3).
    sender_verified: bool = True
    version: int = 0

    @property
    def unanswered(self) -> bool:
        """Waiting for the shop: not closed and the customer spoke last."""
        return self.status != "closed" and self.last_message_from == "customer"


def counters_of(thread: Thread | None) -> dict[str, int]:
    """The contact counters one thread contributes to (its box in the back-office)."""
    if thread is None:
        return dict.fromkeys(COUNTERS, 0)
    return {
        "open_count": int(thread.status != "closed"),
        "pending_count": int(thread.status in ("pending1", "pending2")),
        "unread_count": int(thread.unread),
    }


def counter_deltas(before: Thread | None, after: Thread | None) -> dict[str, int]:
    old, new = counters_of(before), counters_of(after)
    return {name: new[name] - old[name] for name in COUNTERS if new[name] != old[name]}


@dataclass(frozen=True)
class DayStats:
    """Pre-aggregated customer-service statistics of one day (UTC)."""

    threads: int = 0
    messages: int = 0
    responses: int = 0
    response_seconds: int = 0


@dataclass(frozen=True)
class ThreadFilters:
    contact_id: str | None = None
    status: ThreadStatus | None = None
    customer_id: str | None = None
    email: str | None = None
    unread: bool | None = None
    assigned_employee_id: str | None = None


@dataclass(frozen=True)
class ThreadView:
    thread: Thread
    messages: tuple[Message, ...]
    events: tuple[ThreadEvent, ...]


@dataclass(frozen=True)
class UnprocessedMail:
    id: str
    received_at: datetime
    reason: str
    size: int
    raw_key: str
    source: str
    attempts: int = 1
    # The sender's normalised address when it could be read. Stored only as a hash in the index
    # key (GSI3 `UNPROCESSED_FROM#<sha256>`), so erasure finds the person's kept mail by a lookup.
    sender: str | None = None


@dataclass(frozen=True)
class MailboxState:
    source: str
    last_poll_at: datetime | None = None
    last_result: str | None = None
    last_error: str | None = None
    last_fetched: int = 0
    fetched_total: int = 0
    uidvalidity: int | None = None
    last_uid: int = 0
    uidls: tuple[str, ...] = ()
    duration_ms: int = 0
    # The message being ingested (IMAP "<uidvalidity>:<uid>", POP3 UIDL key) and how many runs
    # have tried it: written before it is ingested, so a run that dies on it counts too.
    attempting: str | None = None
    attempts: int = 0
