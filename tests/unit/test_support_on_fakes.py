"""Customer service and erasure on the in-memory fakes, wired by the real composition root: mail in,
threads, kept mail and the erasure run with no table and no bucket (carts and orders on their fakes too,
tests/fakes/carts.py)."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from chalicelib.customers.domain import Customer
from chalicelib.privacy.repository import ERASED, ERASED_EMAIL
from chalicelib.support.domain import ThreadFilters
from tests.factories import FIXED_NOW
from tests.fake_world import FakeWorld, fake_world

SUPPORT_BOX = "support@shop-example.com"
CONTACT = "customer-service"


World = FakeWorld


@pytest.fixture
def world(tmp_path: Path) -> World:
    built = fake_world(tmp_path)
    contact = built.config.entries[("CONTACT", CONTACT)]
    built.config.entries[("CONTACT", CONTACT)] = replace(contact, data={**contact.data, "email": SUPPORT_BOX})
    built.services.config.invalidate()
    return built


def mail(body: str = "Where is my parcel?", message_id: str = "<m1@example.com>") -> bytes:
    message = EmailMessage()
    message["From"] = "Ana@Example.com"
    message["To"] = SUPPORT_BOX
    message["Subject"] = "My order"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def test_a_mail_opens_one_thread_however_often_it_is_delivered(world: World) -> None:
    first = world.services.ingestion.ingest(mail(), "ses")
    again = world.services.ingestion.ingest(mail(), "ses")

    assert first.thread_id is not None
    assert again.outcome == "duplicate"
    [thread] = world.threads.threads.values()
    assert (thread.id, thread.email, thread.contact_id, thread.unread) == (
        first.thread_id,
        "ana@example.com",
        CONTACT,
        True,
    )
    assert [m.text for m in world.services.threads.messages_of(thread.id)] == ["Where is my parcel?"]
    assert world.services.threads.next_unanswered().id == thread.id
    contact = world.services.config.fresh_entry("CONTACT", CONTACT)
    assert contact.counters == {"open_count": 1, "pending_count": 0, "unread_count": 1}


def test_mail_that_cannot_be_threaded_is_kept_once_and_counts_its_attempts(world: World) -> None:
    auto_reply = mail().replace(b"Subject: My order", b"Auto-Submitted: auto-replied\nSubject: Away")

    world.services.ingestion.ingest(auto_reply, "ses")
    world.services.ingestion.ingest(auto_reply, "ses")

    [kept] = world.mailboxes.unprocessed.values()
    assert kept.attempts == 2
    assert world.threads.threads == {}
    assert world.files.files.keys() == {kept.raw_key}


def test_erasure_anonymises_the_customers_threads_on_the_fakes(world: World) -> None:
    customer = Customer(
        id="01CUSTOMER",
        email="ana@example.com",
        first_name="Ana",
        last_name="Berg",
        registered_at=FIXED_NOW,
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        group_ids=("customer",),
        default_group_id="customer",
    )
    world.customers.create(customer)
    thread_id = world.services.ingestion.ingest(mail(), "ses").thread_id
    assert thread_id is not None
    assert world.threads.threads[thread_id].customer_id == customer.id

    job = world.services.erasure.erase(customer.id, "employee:01EMP", max_steps=100)

    assert job.done
    thread = world.threads.threads[thread_id]
    assert (thread.email, thread.subject) == (ERASED_EMAIL, ERASED)
    assert {m.text for m in world.services.threads.messages_of(thread_id)} == {ERASED}
    assert world.threads.list_page(ThreadFilters(email="ana@example.com"), 10, None).items == []
