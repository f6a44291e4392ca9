"""Customer-service persistence shapes: threads, messages, events, Message-ID and tag lookups,
and the daily statistics."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.models.base import TableRecord


class ThreadRecord(TableRecord, discriminator="THREAD"):
    """A customer-service thread, the head of its item collection.

    Key design:
      PK = THREAD#<id>  SK = THREAD          → the thread; Query PK = the thread with its EVENT# and
                                               MESSAGE# items (#11 thread view) in one request
      GSI1 CUSTOMER#<customer id> / THREAD#<last_message_at>#<id>  → #4 / #11 a customer's threads
      GSI2 THREADS#<contact>#<status> / <last_message_at>#<id>     → #11 by contact and status
      GSI3 THREAD_EMAIL#<email> / <last_message_at>#<id>           → #11 by e-mail
      GSI4 UNANSWERED / <last_message_at>#<id>   (sparse)          → #11 oldest unanswered (ascending)
      GSI5 THREADS#ASSIGNED#<employee> / …       (sparse)          → assigned to an employee
      GSI6 THREADS#STATUS#<status> / …                             → by status
      GSI7 THREADS / …                                             → all, newest activity first
      GSI8 THREADS#UNREAD / …                    (sparse)          → #11 unread threads
      GSI9 THREADS#CONTACT#<contact> / …                           → by contact (any status)
    Every thread write is version-checked and moves its contact's open / pending / unread counters
    (CONFIG / CONTACT#<id>) and the day's statistics in the same transaction.
    Write-rate argument: customer-service traffic (a few messages per order at most) keeps the
    constant THREADS / UNANSWERED / THREADS#UNREAD partitions orders of magnitude below 1,000
    writes/s.
    """

    thread_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    email = UnicodeAttribute()
    status = UnicodeAttribute()
    subject = UnicodeAttribute(default="")
    customer_id = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute(null=True)
    language = UnicodeAttribute(default="en")
    unread = BooleanAttribute(default=False)
    read_at = UnicodeAttribute(null=True)
    assigned_employee_id = UnicodeAttribute(null=True)
    message_count = NumberAttribute(default=0)
    first_response_at = UnicodeAttribute(null=True)
    tag = UnicodeAttribute(default="")
    last_customer_message_id = UnicodeAttribute(null=True)
    references = JSONAttribute(default=list)
    sender_verified = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    last_message_at = UnicodeAttribute()
    last_message_from = UnicodeAttribute()
    version = VersionAttribute()


class MessageRecord(TableRecord, discriminator="THREAD_MESSAGE"):
    """One message of a thread. Key design: PK = THREAD#<thread>  SK = MESSAGE#<received_at>#<id>
    (`raw_key`: the received mail's raw copy in S3, deleted with the thread at erasure)
    (in the thread's collection, oldest first)."""

    message_id = UnicodeAttribute()
    thread_id = UnicodeAttribute()
    sender = UnicodeAttribute()
    received_at = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    html = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    employee_id = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    attachments = JSONAttribute(default=list)
    rfc_message_id = UnicodeAttribute(null=True)
    in_reply_to = UnicodeAttribute(null=True)
    references = JSONAttribute(default=list)
    auto_submitted = BooleanAttribute(default=False)
    source = UnicodeAttribute(default="form")
    raw_key = UnicodeAttribute(null=True)
    # What parsing had to work around, and attachments listed but not kept.
    notes = JSONAttribute(default=list)


class ThreadEventRecord(TableRecord, discriminator="THREAD_EVENT"):
    """A status change or forward. Key design: PK = THREAD#<thread>  SK = EVENT#<at>#<id>."""

    event_id = UnicodeAttribute()
    thread_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    employee_id = UnicodeAttribute(null=True)
    data = JSONAttribute(default=dict)


class MessageIdRecord(TableRecord, discriminator="MESSAGE_ID"):
    """A Message-ID we sent or stored.

    Key design: PK = MSGID#<sha256(Message-ID)>  SK = MSGID → #12 the thread a reply belongs to
    (In-Reply-To / References) and message dedupe (a conditional put: a second copy of the same
    message finds the item there)."""

    thread_id = UnicodeAttribute()


class ThreadTagRecord(TableRecord, discriminator="THREAD_TAG"):
    """Key design: PK = TAG#<tag>  SK = TAG → #12 the thread of a subject tag "[#<tag>]"."""

    thread_id = UnicodeAttribute()


class StatsDayRecord(TableRecord, discriminator="CS_STATS_DAY"):
    """Key design: PK = CS_STATS  SK = DAY#<YYYY-MM-DD> → a period's statistics in 1 Query.
    Counters move with ADD in the transactions that create threads, messages and first replies."""

    threads = NumberAttribute(default=0)
    messages = NumberAttribute(default=0)
    responses = NumberAttribute(default=0)
    response_seconds = NumberAttribute(default=0)


class UnprocessedMailRecord(TableRecord, discriminator="UNPROCESSED_MAIL"):
    """Inbound mail kept but not threaded (unparseable, no thread to join), with its raw copy in S3.

    Key design:
      PK = UNPROCESSED#<sha256(raw)[:32]>  SK = UNPROCESSED  → by id (retry); the id comes from the
                                                             bytes, so a redelivery keeps one record
      GSI1 UNPROCESSED / <received_at>#<id>                  → the list, newest first
      GSI3 UNPROCESSED_FROM#<sha256(sender)> / <received_at>#<id>  (when the sender could be read)
                                                             → erasure: the person's kept mail
    A handful a day at most: the UNPROCESSED partition sees no meaningful write rate.
    """

    unprocessed_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    reason = UnicodeAttribute()
    size = NumberAttribute(default=0)
    raw_key = UnicodeAttribute()
    source = UnicodeAttribute()
    attempts = NumberAttribute(default=1)


class MailboxStateRecord(TableRecord, discriminator="MAILBOX_STATE"):
    """One mail source's state. Key design: PK = MAILBOX  SK = <source: imap | pop3 | ses> (GetItem;
    the mailbox route reads the partition). IMAP keeps UIDVALIDITY + the last stored UID; POP3 the
    UIDLs already stored that are still on the server."""

    source = UnicodeAttribute()
    last_poll_at = UnicodeAttribute(null=True)
    last_result = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_fetched = NumberAttribute(default=0)
    fetched_total = NumberAttribute(default=0)
    uidvalidity = NumberAttribute(null=True)
    last_uid = NumberAttribute(default=0)
    uidls = JSONAttribute(default=list)
    duration_ms = NumberAttribute(default=0)
    attempting = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
