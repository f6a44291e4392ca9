"""Thread, message and event records <-> their domain types, and the thread's index keys: the one
mapping of each, exported because the erasure (privacy.repository) rewrites a customer's threads with
the same mapping the support repository reads them with.
"""

from __future__ import annotations

from chalicelib.core.clock import iso
from chalicelib.core.text import normalise_email
from chalicelib.models import keys
from chalicelib.models.base import set_index_keys
from chalicelib.models.mapping import RecordMapping, from_document, to_document
from chalicelib.models.support import MessageRecord, ThreadEventRecord, ThreadRecord
from chalicelib.support.domain import Attachment, Message, Thread, ThreadEvent


def thread_index_keys(thread: Thread) -> dict[int, tuple[str, str] | None]:
    listed = keys.time_sk(iso(thread.last_message_at), thread.id)
    return {
        1: (
            keys.customer_pk(thread.customer_id),
            keys.activity_sk(keys.THREAD, iso(thread.last_message_at), thread.id),
        )
        if thread.customer_id
        else None,
        2: (keys.threads_by_contact_status_pk(thread.contact_id, thread.status), listed),
        3: (keys.thread_email_pk(normalise_email(thread.email)), listed),
        4: (keys.UNANSWERED, listed) if thread.unanswered else None,
        5: (keys.threads_assigned_pk(thread.assigned_employee_id), listed)
        if thread.assigned_employee_id
        else None,
        6: (keys.threads_status_pk(thread.status), listed),
        7: (keys.THREADS, listed),
        8: (keys.THREADS_UNREAD, listed) if thread.unread else None,
        9: (keys.threads_contact_pk(thread.contact_id), listed),
    }


# The fields a dataclass and its record share are copied by name (chalicelib/models/mapping.py);
# the exceptions: ids stored as <entity>_id (a message's RFC Message-ID as rfc_message_id), keys,
# and the attachments (a nested document).
_THREAD = RecordMapping(Thread, ThreadRecord, renames={"id": "thread_id"})
_MESSAGE = RecordMapping(
    Message,
    MessageRecord,
    renames={"id": "message_id", "message_id": "rfc_message_id"},
    exclude=("attachments",),
)
_EVENT = RecordMapping(ThreadEvent, ThreadEventRecord, renames={"id": "event_id"})


def to_thread_record(thread: Thread) -> ThreadRecord:
    record = _THREAD.to_record(thread, keys.thread_pk(thread.id), keys.THREAD)
    set_index_keys(record, thread_index_keys(thread))
    return record


def from_thread_record(record: ThreadRecord) -> Thread:
    # Threads stored before sender_verified existed read as verified (the record's default).
    return _THREAD.from_record(record)


def to_message_record(message: Message) -> MessageRecord:
    return _MESSAGE.to_record(
        message,
        keys.thread_pk(message.thread_id),
        keys.message_sk(iso(message.received_at), message.id),
        attachments=[to_document(a) for a in message.attachments],
    )


def from_message_record(record: MessageRecord) -> Message:
    attachments = tuple(from_document(Attachment, a) for a in record.attachments or [])
    return _MESSAGE.from_record(record, attachments=attachments, text=record.text or "")


def to_event_record(event: ThreadEvent) -> ThreadEventRecord:
    return _EVENT.to_record(event, keys.thread_pk(event.thread_id), keys.event_sk(iso(event.at), event.id))


def from_event_record(record: ThreadEventRecord) -> ThreadEvent:
    return _EVENT.from_record(record)
