"""In-memory thread repository and mailbox bookkeeping: the fakes of support.repository's and
support.mailboxes' DynamoDB implementations, for unit tests.

They follow the same contract (tests/contract/test_support_contract.py runs one suite on both): list
order, the transaction's all-or-nothing write with the same cancellation reasons, versions, and what
a read gives back (second-precision times, no sender on kept mail: DynamoDB stores only its hash)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.text import normalise_email
from chalicelib.models import keys
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.models.paging import Page
from chalicelib.support.domain import (
    COUNTERS,
    DayStats,
    MailboxState,
    Message,
    Thread,
    ThreadEvent,
    ThreadFilters,
    ThreadView,
    UnprocessedMail,
    counter_deltas,
)
from chalicelib.support.ports import MailboxRepository, ThreadRepository, ThreadWrite
from chalicelib.support.repository import MAX_ID_LENGTH, MAX_VIEW_ITEMS, message_id_hash
from tests.fakes.shop import MemoryConfigRepository


def stored[T](item: T) -> T:
    """What a DynamoDB round trip gives back: times at second precision (they are stored as ISO-8601
    strings without fractions)."""
    changes = {
        f.name: parse_iso(iso(value))
        for f in dataclasses.fields(item)  # type: ignore[arg-type]
        if isinstance(value := getattr(item, f.name), datetime)
    }
    return dataclasses.replace(item, **changes)  # type: ignore[type-var]


def _page[T](rows: list[tuple[str, T]], limit: int, position: dict[str, Any] | None) -> Page[T]:
    """One page of rows sorted newest first by their sort key; the position is the last row's key."""
    rows = sorted(rows, key=lambda row: row[0], reverse=True)
    if position is not None:
        rows = [row for row in rows if row[0] < str(position["after"])]
    page = rows[:limit]
    more = len(rows) > limit
    return Page([item for _, item in page], {"after": page[-1][0]} if more and page else None)


def listed_key(thread: Thread) -> str:
    return keys.time_sk(iso(thread.last_message_at), thread.id)


class MemoryThreadRepository:
    def __init__(self, config: MemoryConfigRepository | None = None) -> None:
        # With a config fake, the contact's counters move (and a missing contact cancels the write)
        # like the DynamoDB ones, which update the contact's CONFIG item in the same transaction.
        self.config = config
        self.threads: dict[str, Thread] = {}
        self.messages: dict[str, dict[str, Message]] = {}  # thread id → message sort key → message
        self.events: dict[str, dict[str, ThreadEvent]] = {}
        self.message_ids: dict[str, str] = {}  # Message-ID hash → thread id
        self.tags: dict[str, str] = {}
        self.days: dict[date, DayStats] = {}

    def get(self, thread_id: str) -> Thread | None:
        if len(thread_id) > MAX_ID_LENGTH:
            return None
        return self.threads.get(thread_id)

    def view(self, thread_id: str) -> ThreadView | None:
        thread = self.get(thread_id)
        if thread is None:
            return None
        # The DynamoDB view reads the partition newest sort key first (THREAD, then MESSAGE#…, then
        # EVENT#…) and stops after MAX_VIEW_ITEMS items: the bound cuts the oldest events first.
        items: list[tuple[str, Message | ThreadEvent]] = [
            *self.messages.get(thread_id, {}).items(),
            *self.events.get(thread_id, {}).items(),
        ]
        kept = sorted(items, key=lambda item: item[0], reverse=True)[: MAX_VIEW_ITEMS - 1]
        kept.reverse()
        return ThreadView(
            thread,
            tuple(m for _, m in kept if isinstance(m, Message)),
            tuple(e for _, e in kept if isinstance(e, ThreadEvent)),
        )

    def write(self, change: ThreadWrite) -> None:
        after = change.after
        failed: set[str] = set()
        current = self.threads.get(after.id)
        if change.before is None:
            if current is not None:
                failed.add("thread")
        elif current is None or current.version != change.before.version:
            failed.add("thread")
        new_messages = [(keys.message_sk(iso(m.received_at), m.id), m) for m in change.messages]
        if any(sk in self.messages.get(m.thread_id, {}) for sk, m in new_messages):
            failed.add("message")
        hashes = [message_id_hash(m) for m in dict.fromkeys(change.message_ids)]
        if any(h in self.message_ids for h in hashes):
            failed.add("message_id")
        new_tag = change.before is None and bool(after.tag)
        if new_tag and after.tag in self.tags:
            failed.add("tag")
        deltas = counter_deltas(change.before, after)
        contact_key = ("CONTACT", after.contact_id)
        touches_contact = bool(deltas) or change.new_thread_for_contact
        if touches_contact and self.config is not None and contact_key not in self.config.entries:
            failed.add("contact")
        if failed:
            raise TransactionCancelledError(failed)

        version = (change.before.version if change.before else 0) + 1
        self.threads[after.id] = stored(dataclasses.replace(after, version=version))
        for sk, message in new_messages:
            self.messages.setdefault(message.thread_id, {})[sk] = stored(message)
        for event in change.events:
            self.events.setdefault(event.thread_id, {})[keys.event_sk(iso(event.at), event.id)] = stored(
                event
            )
        for digest in hashes:
            self.message_ids[digest] = after.id
        if new_tag:
            self.tags[after.tag] = after.id
        if touches_contact and self.config is not None:
            entry = self.config.entries[contact_key]
            counters = {name: entry.counters.get(name, 0) for name in COUNTERS}
            for name, delta in deltas.items():
                counters[name] = counters.get(name, 0) + delta
            count = entry.count + int(change.new_thread_for_contact)
            self.config.entries[contact_key] = dataclasses.replace(entry, counters=counters, count=count)
        stats = change.stats
        if change.stats_day is not None and (stats.threads or stats.messages or stats.responses):
            day = self.days.get(change.stats_day, DayStats())
            self.days[change.stats_day] = DayStats(
                day.threads + stats.threads,
                day.messages + stats.messages,
                day.responses + stats.responses,
                day.response_seconds + stats.response_seconds,
            )

    def list_page(self, filters: ThreadFilters, limit: int, position: dict[str, Any] | None) -> Page[Thread]:
        email = normalise_email(filters.email) if filters.email else None

        def keep(thread: Thread) -> bool:
            return all(
                (
                    filters.contact_id is None or thread.contact_id == filters.contact_id,
                    filters.status is None or thread.status == filters.status,
                    filters.customer_id is None or thread.customer_id == filters.customer_id,
                    email is None or normalise_email(thread.email) == email,
                    filters.unread is None or thread.unread == filters.unread,
                    filters.assigned_employee_id is None
                    or thread.assigned_employee_id == filters.assigned_employee_id,
                )
            )

        rows = [(listed_key(t), t) for t in self.threads.values() if keep(t)]
        return _page(rows, limit, position)

    def oldest_unanswered(self) -> Thread | None:
        waiting = sorted((listed_key(t), t) for t in self.threads.values() if t.unanswered)
        return waiting[0][1] if waiting else None

    def for_customer(self, customer_id: str, limit: int) -> list[Thread]:
        return self.list_page(ThreadFilters(customer_id=customer_id), limit, None).items

    def latest_for_email(self, email: str, limit: int = 20) -> list[Thread]:
        return self.list_page(ThreadFilters(email=email), limit, None).items

    def thread_for_message_id(self, message_id: str) -> str | None:
        return self.message_ids.get(message_id_hash(message_id))

    def thread_for_tag(self, tag: str) -> str | None:
        return self.tags.get(tag)

    def stats(self, first: date, last: date) -> list[tuple[date, DayStats]]:
        return sorted((day, stats) for day, stats in self.days.items() if first <= day <= last)


class MemoryMailboxRepository:
    def __init__(self) -> None:
        self.unprocessed: dict[str, UnprocessedMail] = {}
        self.senders: dict[str, str] = {}  # unprocessed id → normalised sender (DynamoDB: its hash)
        self.mailbox_states: dict[str, MailboxState] = {}

    def keep(self, mail: UnprocessedMail) -> bool:
        existing = self.unprocessed.get(mail.id)
        if existing is not None:
            self.unprocessed[mail.id] = dataclasses.replace(
                existing, attempts=existing.attempts + 1, reason=mail.reason
            )
            return False
        self.unprocessed[mail.id] = stored(dataclasses.replace(mail, attempts=1, sender=None))
        if mail.sender:
            self.senders[mail.id] = mail.sender
        return True

    def get_unprocessed(self, unprocessed_id: str) -> UnprocessedMail | None:
        if len(unprocessed_id) > MAX_ID_LENGTH:
            return None
        return self.unprocessed.get(unprocessed_id)

    def resolve(self, unprocessed_id: str) -> None:
        self.unprocessed.pop(unprocessed_id, None)
        self.senders.pop(unprocessed_id, None)

    @staticmethod
    def _key(mail: UnprocessedMail) -> str:
        return keys.time_sk(iso(mail.received_at), mail.id)

    def unprocessed_page(self, limit: int, position: dict[str, Any] | None) -> Page[UnprocessedMail]:
        return _page([(self._key(m), m) for m in self.unprocessed.values()], limit, position)

    def unprocessed_from(self, normalised_email: str, limit: int) -> list[UnprocessedMail]:
        mails = [m for m in self.unprocessed.values() if self.senders.get(m.id) == normalised_email]
        return sorted(mails, key=self._key)[:limit]

    def unprocessed_before(self, before: datetime, limit: int) -> list[UnprocessedMail]:
        mails = [m for m in self.unprocessed.values() if self._key(m) < iso(before)]
        return sorted(mails, key=self._key)[:limit]

    def state(self, source: str) -> MailboxState:
        return self.mailbox_states.get(source, MailboxState(source))

    def states(self) -> list[MailboxState]:
        return [self.mailbox_states[source] for source in sorted(self.mailbox_states)]

    def save_state(self, state: MailboxState) -> None:
        self.mailbox_states[state.source] = stored(state)


# mypy checks each fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_threads(fake: MemoryThreadRepository) -> ThreadRepository:
    return fake


def _port_check_mailboxes(fake: MemoryMailboxRepository) -> MailboxRepository:
    return fake
