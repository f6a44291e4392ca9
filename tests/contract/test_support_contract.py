"""The customer-service ports: the in-memory thread and mailbox fakes and their DynamoDB twins (moto)
must agree — on what a write stores, how a conflicting write is cancelled (all or nothing, with the
same reasons), versions, counters, list order and paging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.repository import DynamoConfigRepository
from chalicelib.support.domain import (
    Attachment,
    DayStats,
    MailboxState,
    Message,
    Thread,
    ThreadEvent,
    ThreadFilters,
    UnprocessedMail,
)
from chalicelib.support.mailboxes import DynamoMailboxRepository
from chalicelib.support.ports import MailboxRepository, ThreadRepository, ThreadWrite
from chalicelib.support.repository import DynamoThreadRepository
from tests.factories import FIXED_NOW
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.support import MemoryMailboxRepository, MemoryThreadRepository

CONTACT = "sales"


@dataclass
class World:
    threads: ThreadRepository
    config: ConfigRepository

    def contact(self) -> ConfigEntry:
        entry = self.config.load().get("CONTACT", CONTACT)
        assert entry is not None
        return entry


@pytest.fixture(params=["memory", "dynamodb"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "memory":
        memory = MemoryConfigRepository()
        memory.put_entry(ConfigEntry("CONTACT", CONTACT, {"name": "Sales"}))
        yield World(MemoryThreadRepository(memory), memory)
        return
    with mock_aws():
        bootstrap.ensure_table()
        config = DynamoConfigRepository(lambda: FIXED_NOW)
        config.put_entry(ConfigEntry("CONTACT", CONTACT, {"name": "Sales"}))
        yield World(DynamoThreadRepository(), config)


@pytest.fixture(params=["memory", "dynamodb"])
def mailboxes(request: pytest.FixtureRequest) -> Iterator[MailboxRepository]:
    if request.param == "memory":
        yield MemoryMailboxRepository()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoMailboxRepository()


def message(thread_id: str, number: int, **overrides: object) -> Message:
    base = Message(
        id=f"01MSG{number:021d}",
        thread_id=thread_id,
        sender="customer",
        received_at=FIXED_NOW + timedelta(minutes=number),
        text=f"Message {number}",
        html=f"<p>Message {number}</p>",
        email="Ana@Example.com",
        subject="Where is my order?",
        attachments=(Attachment("invoice.pdf", 1234, "application/pdf", f"attachments/{thread_id}/1"),),
        message_id=f"<m{number}@example.com>",
        references=("<earlier@example.com>",),
        source="mail",
        notes=("stripped quoted text",),
        raw_key=f"inbound/{number}",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def thread(number: int, **overrides: object) -> Thread:
    at = FIXED_NOW + timedelta(hours=number)
    base = Thread(
        id=f"01THREAD{number:018d}",
        contact_id=CONTACT,
        email="Ana@Example.com",
        status="open",
        created_at=at,
        updated_at=at,
        last_message_at=at,
        last_message_from="customer",
        subject="Where is my order?",
        customer_id="01CUST",
        language="fr",
        unread=True,
        message_count=1,
        tag=f"tag{number}",
        last_customer_message_id=f"<m{number}@example.com>",
        references=(f"<m{number}@example.com>",),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def opened(world: World, number: int, **overrides: object) -> Thread:
    """Open a thread the way ThreadService.new_thread does; returns it as stored (version 1)."""
    new = thread(number, **overrides)
    first = message(new.id, number, received_at=new.last_message_at)
    world.threads.write(
        ThreadWrite(
            before=None,
            after=new,
            messages=(first,),
            message_ids=(f"<m{number}@example.com>",),
            stats_day=new.created_at.date(),
            stats=DayStats(threads=1, messages=1),
            new_thread_for_contact=True,
        )
    )
    return replace(new, version=1)


# -- threads -------------------------------------------------------------------------------------
def test_a_new_thread_is_stored_with_its_message_lookups_counters_and_stats(world: World) -> None:
    new = opened(world, 1)

    assert world.threads.get(new.id) == new
    view = world.threads.view(new.id)
    assert view is not None
    assert view.thread == new
    assert view.messages == (message(new.id, 1, received_at=new.last_message_at),)
    assert view.events == ()
    # A Message-ID is found with or without its brackets, in any case.
    assert world.threads.thread_for_message_id("<m1@example.com>") == new.id
    assert world.threads.thread_for_message_id("M1@Example.COM") == new.id
    assert world.threads.thread_for_message_id("<other@example.com>") is None
    assert world.threads.thread_for_tag("tag1") == new.id
    assert world.threads.thread_for_tag("tag2") is None
    assert world.contact().count == 1
    assert world.contact().counters == {"open_count": 1, "pending_count": 0, "unread_count": 1}
    assert world.threads.stats(FIXED_NOW.date(), FIXED_NOW.date()) == [
        (FIXED_NOW.date(), DayStats(threads=1, messages=1))
    ]


def test_unknown_and_overlong_ids_read_as_none(world: World) -> None:
    assert world.threads.get("01NOTHERE") is None
    assert world.threads.view("01NOTHERE") is None
    assert world.threads.get("x" * 65) is None
    assert world.threads.view("x" * 65) is None


def test_a_known_message_id_cancels_the_whole_write(world: World) -> None:
    opened(world, 1)
    duplicate = thread(2)

    with pytest.raises(TransactionCancelledError) as cancelled:
        world.threads.write(
            ThreadWrite(
                before=None,
                after=duplicate,
                messages=(message(duplicate.id, 2),),
                message_ids=("<M1@example.com>",),
                stats_day=FIXED_NOW.date(),
                stats=DayStats(threads=1, messages=1),
                new_thread_for_contact=True,
            )
        )

    assert cancelled.value.reasons == {"message_id"}
    assert world.threads.get(duplicate.id) is None
    assert world.threads.thread_for_tag("tag2") is None
    assert world.contact().count == 1
    assert world.threads.stats(FIXED_NOW.date(), FIXED_NOW.date()) == [
        (FIXED_NOW.date(), DayStats(threads=1, messages=1))
    ]


def test_creating_a_thread_twice_is_cancelled_on_the_thread(world: World) -> None:
    new = opened(world, 1)

    with pytest.raises(TransactionCancelledError) as cancelled:
        world.threads.write(ThreadWrite(before=None, after=replace(new, tag="")))

    assert cancelled.value.reasons == {"thread"}


def test_a_change_is_version_checked_and_moves_the_counters(world: World) -> None:
    new = opened(world, 1)
    later = new.last_message_at + timedelta(minutes=5)
    closed = replace(new, status="closed", unread=False, read_at=later, updated_at=later)
    event = ThreadEvent("01EVENT1", new.id, "status", later, "01EMPLOYEE", {"from": "open", "to": "closed"})

    world.threads.write(ThreadWrite(new, closed, events=(event,)))

    stored = world.threads.get(new.id)
    assert stored == replace(closed, version=2)
    view = world.threads.view(new.id)
    assert view is not None and view.events == (event,)
    assert world.contact().counters == {"open_count": 0, "pending_count": 0, "unread_count": 0}
    assert world.contact().count == 1
    # A writer that read version 1 lost the race: nothing of its change is stored.
    with pytest.raises(TransactionCancelledError) as cancelled:
        world.threads.write(ThreadWrite(new, replace(new, status="pending1"), events=(event,)))
    assert cancelled.value.reasons == {"thread"}
    assert world.threads.get(new.id) == stored


def test_a_change_to_a_missing_thread_is_cancelled(world: World) -> None:
    ghost = replace(thread(9), version=1)

    with pytest.raises(TransactionCancelledError) as cancelled:
        world.threads.write(ThreadWrite(ghost, replace(ghost, subject="changed")))

    assert "thread" in cancelled.value.reasons
    assert world.threads.get(ghost.id) is None


def test_a_thread_of_a_deleted_contact_is_cancelled_on_the_contact(world: World) -> None:
    orphan = thread(1, contact_id="gone")

    with pytest.raises(TransactionCancelledError) as cancelled:
        world.threads.write(ThreadWrite(None, orphan, new_thread_for_contact=True))

    assert cancelled.value.reasons == {"contact"}
    assert world.threads.get(orphan.id) is None


def test_messages_and_events_are_viewed_oldest_first(world: World) -> None:
    new = opened(world, 1)
    second = message(new.id, 90, sender="employee", employee_id="01EMPLOYEE", email=None, attachments=())
    event = ThreadEvent("01EVENT1", new.id, "assign", FIXED_NOW + timedelta(hours=2), "01EMPLOYEE")
    answered = replace(new, last_message_from="employee", message_count=2, updated_at=second.received_at)

    world.threads.write(ThreadWrite(new, answered, messages=(second,), events=(event,)))

    view = world.threads.view(new.id)
    assert view is not None
    assert [m.id for m in view.messages] == [message(new.id, 1).id, second.id]
    assert view.messages[1] == second
    assert view.events == (event,)


def test_stats_add_up_per_day_within_the_range(world: World) -> None:
    opened(world, 1)
    opened(world, 2)
    opened(world, 30, created_at=FIXED_NOW + timedelta(days=1))
    day, next_day = FIXED_NOW.date(), FIXED_NOW.date() + timedelta(days=1)

    assert world.threads.stats(day, next_day) == [
        (day, DayStats(threads=2, messages=2)),
        (next_day, DayStats(threads=1, messages=1)),
    ]
    assert world.threads.stats(next_day, next_day + timedelta(days=5)) == [
        (next_day, DayStats(threads=1, messages=1))
    ]
    assert world.threads.stats(date(2020, 1, 1), date(2020, 1, 2)) == []


def seed_threads(world: World) -> list[Thread]:
    return [
        opened(world, 1),
        opened(world, 2, status="closed", unread=False, customer_id=None),
        opened(world, 3, email="ana@example.com", assigned_employee_id="01EMPLOYEE"),
        opened(world, 4, email="bob@example.com", customer_id="01OTHER", status="pending1"),
        opened(world, 5, unread=False, last_message_from="employee"),
    ]


def ids(items: list[Thread]) -> list[str]:
    return [t.id for t in items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ThreadFilters(), [5, 4, 3, 2, 1]),
        (ThreadFilters(customer_id="01CUST"), [5, 3, 1]),
        (ThreadFilters(email="ANA@example.com"), [5, 3, 2, 1]),
        (ThreadFilters(contact_id=CONTACT, status="open"), [5, 3, 1]),
        (ThreadFilters(assigned_employee_id="01EMPLOYEE"), [3]),
        (ThreadFilters(unread=True), [4, 3, 1]),
        (ThreadFilters(unread=False), [5, 2]),
        (ThreadFilters(status="pending1"), [4]),
        (ThreadFilters(contact_id=CONTACT), [5, 4, 3, 2, 1]),
        (ThreadFilters(contact_id="other"), []),
        (ThreadFilters(customer_id="01CUST", unread=True, status="open"), [3, 1]),
    ],
)
def test_lists_filter_and_sort_most_recent_first(
    world: World, filters: ThreadFilters, expected: list[int]
) -> None:
    seeded = {int(t.tag.removeprefix("tag")): t for t in seed_threads(world)}

    page = world.threads.list_page(filters, 10, None)

    assert page.items == [seeded[n] for n in expected]
    assert page.next_position is None


def test_lists_page_without_gaps_or_repeats(world: World) -> None:
    seeded = seed_threads(world)
    seen: list[str] = []
    position = None
    for _ in range(10):
        page = world.threads.list_page(ThreadFilters(), 2, position)
        seen.extend(ids(page.items))
        position = page.next_position
        if position is None:
            break

    assert seen == ids(list(reversed(seeded)))


def test_the_lookups_by_customer_email_and_oldest_unanswered(world: World) -> None:
    seeded = seed_threads(world)

    assert ids(world.threads.for_customer("01CUST", 2)) == ids([seeded[4], seeded[2]])
    assert ids(world.threads.latest_for_email("BOB@example.com")) == ids([seeded[3]])
    assert world.threads.latest_for_email("nobody@example.com") == []
    # Closed threads and threads the shop answered last are not waiting.
    assert world.threads.oldest_unanswered() == seeded[0]


def test_no_thread_is_unanswered_in_an_empty_table(world: World) -> None:
    assert world.threads.oldest_unanswered() is None


# -- mailboxes -----------------------------------------------------------------------------------
def kept(number: int, **overrides: object) -> UnprocessedMail:
    base = UnprocessedMail(
        id=f"{number:064x}",
        received_at=FIXED_NOW + timedelta(minutes=number),
        reason="no_thread",
        size=2048 + number,
        raw_key=f"unprocessed/{number:064x}",
        source="imap:support",
        sender="ana@example.com",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_a_kept_message_is_recorded_once_and_counts_its_attempts(mailboxes: MailboxRepository) -> None:
    mail = kept(1)

    assert mailboxes.keep(mail) is True
    assert mailboxes.keep(replace(mail, reason="too_large")) is False

    # The sender is only an index key (a hash) in DynamoDB: it does not come back.
    assert mailboxes.get_unprocessed(mail.id) == replace(mail, sender=None, attempts=2, reason="too_large")
    assert mailboxes.get_unprocessed(kept(2).id) is None
    assert mailboxes.get_unprocessed("x" * 65) is None


def test_resolving_forgets_a_kept_message(mailboxes: MailboxRepository) -> None:
    mailboxes.keep(kept(1))

    mailboxes.resolve(kept(1).id)
    mailboxes.resolve(kept(2).id)  # not there: fine

    assert mailboxes.get_unprocessed(kept(1).id) is None
    assert mailboxes.unprocessed_page(10, None).items == []
    assert mailboxes.unprocessed_from("ana@example.com", 10) == []


def test_kept_messages_page_newest_first(mailboxes: MailboxRepository) -> None:
    for number in (3, 1, 4, 2, 5):
        mailboxes.keep(kept(number))
    seen: list[str] = []
    position = None
    for _ in range(10):
        page = mailboxes.unprocessed_page(2, position)
        seen.extend(m.id for m in page.items)
        position = page.next_position
        if position is None:
            break

    assert seen == [kept(n).id for n in (5, 4, 3, 2, 1)]


def test_kept_messages_are_found_by_sender_and_by_age_oldest_first(mailboxes: MailboxRepository) -> None:
    mailboxes.keep(kept(1))
    mailboxes.keep(kept(2, sender="bob@example.com"))
    mailboxes.keep(kept(3, sender=None))
    mailboxes.keep(kept(4))

    assert [m.id for m in mailboxes.unprocessed_from("ana@example.com", 10)] == [kept(1).id, kept(4).id]
    assert [m.id for m in mailboxes.unprocessed_from("ana@example.com", 1)] == [kept(1).id]
    assert mailboxes.unprocessed_from("carla@example.com", 10) == []
    before = FIXED_NOW + timedelta(minutes=3, seconds=30)
    assert [m.id for m in mailboxes.unprocessed_before(before, 10)] == [kept(n).id for n in (1, 2, 3)]
    assert [m.id for m in mailboxes.unprocessed_before(before, 2)] == [kept(n).id for n in (1, 2)]


def test_mailbox_states_start_fresh_and_keep_the_last_save(mailboxes: MailboxRepository) -> None:
    assert mailboxes.state("imap:support") == MailboxState("imap:support")
    assert mailboxes.states() == []
    first = MailboxState(
        "pop3:orders",
        last_poll_at=FIXED_NOW,
        last_result="ok",
        last_fetched=3,
        fetched_total=10,
        uidls=("a", "b"),
        duration_ms=120,
    )
    second = MailboxState(
        "imap:support",
        last_poll_at=FIXED_NOW + timedelta(minutes=5),
        last_result="error",
        last_error="login_failed",
        uidvalidity=7,
        last_uid=42,
        attempting="7:43",
        attempts=2,
    )

    mailboxes.save_state(first)
    mailboxes.save_state(second)
    mailboxes.save_state(replace(second, attempts=3))

    assert mailboxes.state("pop3:orders") == first
    assert mailboxes.states() == [replace(second, attempts=3), first]
