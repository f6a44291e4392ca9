"""Customer-service threads in DynamoDB. Access patterns #4, #11 and #12 of DESIGN.md."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.core.text import normalise_email
from chalicelib.models import keys
from chalicelib.models.base import TableRecord, index_by_number
from chalicelib.models.errors import dynamo_errors, get_item, run_transaction
from chalicelib.models.paging import Page, index_page
from chalicelib.models.shop import ConfigRecord
from chalicelib.models.support import (
    MessageIdRecord,
    MessageRecord,
    StatsDayRecord,
    ThreadEventRecord,
    ThreadRecord,
    ThreadTagRecord,
)
from chalicelib.support.domain import (
    DayStats,
    Message,
    Thread,
    ThreadEvent,
    ThreadFilters,
    ThreadView,
    counter_deltas,
)
from chalicelib.support.ports import ThreadWrite
from chalicelib.support.records import (
    from_event_record,
    from_message_record,
    from_thread_record,
    to_event_record,
    to_message_record,
    to_thread_record,
)

# Ids are ULIDs: anything longer is not one of ours (and could exceed DynamoDB's key size).
MAX_ID_LENGTH = 64
# A thread view reads at most this many items: the thread, its newest messages and events.
MAX_VIEW_ITEMS = 500


def message_id_hash(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().strip("<>").lower().encode()).hexdigest()


def _label(pk: str, sk: str) -> str:
    """Names a thread transaction's item, for TransactionCancelledError."""
    if pk.startswith("THREAD#"):
        return "thread" if sk == keys.THREAD else ("message" if sk.startswith("MESSAGE#") else "event")
    for prefix, name in (("MSGID#", "message_id"), ("TAG#", "tag"), (keys.CS_STATS, "stats")):
        if pk.startswith(prefix):
            return name
    return "contact" if pk == keys.CONFIG else "other"


class DynamoThreadRepository:
    def get(self, thread_id: str) -> Thread | None:
        if len(thread_id) > MAX_ID_LENGTH:
            return None
        record = get_item(ThreadRecord, keys.thread_pk(thread_id), keys.THREAD)
        return from_thread_record(record) if record is not None else None

    def view(self, thread_id: str) -> ThreadView | None:
        thread: Thread | None = None
        messages: list[Message] = []
        events: list[ThreadEvent] = []
        if len(thread_id) > MAX_ID_LENGTH:
            return None
        with dynamo_errors():
            # Newest first and bounded (the thread item sorts last, so it always comes first).
            for record in TableRecord.query(
                keys.thread_pk(thread_id), scan_index_forward=False, limit=MAX_VIEW_ITEMS, page_size=100
            ):
                if isinstance(record, ThreadRecord):
                    thread = from_thread_record(record)
                elif isinstance(record, MessageRecord):
                    messages.append(from_message_record(record))
                elif isinstance(record, ThreadEventRecord):
                    events.append(from_event_record(record))
        if thread is None:
            return None
        return ThreadView(thread, tuple(reversed(messages)), tuple(reversed(events)))

    def write(self, change: ThreadWrite) -> None:
        """Raises: TransactionCancelledError naming the items whose condition failed ("thread",
        "message_id", "contact")."""

        def build(transaction: TransactWrite) -> None:
            record = to_thread_record(change.after)
            if change.before is None:
                transaction.save(record, condition=ThreadRecord.pk.does_not_exist())
            else:
                record.version = change.before.version
                transaction.save(record, condition=ThreadRecord.pk.exists())
            for message in change.messages:
                transaction.save(to_message_record(message), condition=MessageRecord.pk.does_not_exist())
            for event in change.events:
                transaction.save(to_event_record(event))
            for message_id in dict.fromkeys(change.message_ids):
                lookup = MessageIdRecord(
                    keys.message_id_pk(message_id_hash(message_id)), "MSGID", thread_id=change.after.id
                )
                transaction.save(lookup, condition=MessageIdRecord.pk.does_not_exist())
            if change.before is None and change.after.tag:
                tag = ThreadTagRecord(keys.thread_tag_pk(change.after.tag), "TAG", thread_id=change.after.id)
                transaction.save(tag, condition=ThreadTagRecord.pk.does_not_exist())
            deltas = counter_deltas(change.before, change.after)
            actions = [getattr(ConfigRecord, name).add(delta) for name, delta in sorted(deltas.items())]
            if change.new_thread_for_contact:
                actions.append(ConfigRecord.usage_count.add(1))
            if actions:
                contact = ConfigRecord(keys.CONFIG, keys.config_sk("CONTACT", change.after.contact_id))
                transaction.update(contact, actions=actions, condition=ConfigRecord.pk.exists())
            stats = change.stats
            if change.stats_day is not None and (stats.threads or stats.messages or stats.responses):
                day = StatsDayRecord(keys.CS_STATS, keys.stats_day_sk(change.stats_day.isoformat()))
                transaction.update(
                    day,
                    actions=[
                        StatsDayRecord.entity_type.set(StatsDayRecord),
                        StatsDayRecord.threads.add(stats.threads),
                        StatsDayRecord.messages.add(stats.messages),
                        StatsDayRecord.responses.add(stats.responses),
                        StatsDayRecord.response_seconds.add(stats.response_seconds),
                    ],
                )

        run_transaction(build, label=_label)

    # -- reads ---------------------------------------------------------------------------------
    def list_page(self, filters: ThreadFilters, limit: int, position: dict[str, Any] | None) -> Page[Thread]:
        number, partition, prefix = self._plan(filters)
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

        return index_page(
            number,
            partition,
            lambda record: from_thread_record(record) if isinstance(record, ThreadRecord) else None,
            keep,
            limit,
            position,
            prefix=prefix,
        )

    @staticmethod
    def _plan(filters: ThreadFilters) -> tuple[int, str, str]:
        """The narrowest index for the filters; the others are checked row by row."""
        if filters.customer_id:
            return 1, keys.customer_pk(filters.customer_id), keys.activity_prefix(keys.THREAD)
        if filters.email:
            return 3, keys.thread_email_pk(normalise_email(filters.email)), ""
        if filters.contact_id and filters.status:
            return 2, keys.threads_by_contact_status_pk(filters.contact_id, filters.status), ""
        if filters.assigned_employee_id:
            return 5, keys.threads_assigned_pk(filters.assigned_employee_id), ""
        if filters.unread:
            return 8, keys.THREADS_UNREAD, ""
        if filters.status:
            return 6, keys.threads_status_pk(filters.status), ""
        if filters.contact_id:
            return 9, keys.threads_contact_pk(filters.contact_id), ""
        return 7, keys.THREADS, ""

    def oldest_unanswered(self) -> Thread | None:
        with dynamo_errors():
            for record in index_by_number(4).query(keys.UNANSWERED, scan_index_forward=True, limit=1):
                if isinstance(record, ThreadRecord):
                    return from_thread_record(record)
        return None

    def for_customer(self, customer_id: str, limit: int) -> list[Thread]:
        return self.list_page(ThreadFilters(customer_id=customer_id), limit, None).items

    def latest_for_email(self, email: str, limit: int = 20) -> list[Thread]:
        return self.list_page(ThreadFilters(email=email), limit, None).items

    def thread_for_message_id(self, message_id: str) -> str | None:
        record = get_item(MessageIdRecord, keys.message_id_pk(message_id_hash(message_id)), "MSGID")
        if record is None:
            return None
        return record.thread_id

    def thread_for_tag(self, tag: str) -> str | None:
        record = get_item(ThreadTagRecord, keys.thread_tag_pk(tag), "TAG")
        return record.thread_id if record is not None else None

    def stats(self, first: date, last: date) -> list[tuple[date, DayStats]]:
        days: list[tuple[date, DayStats]] = []
        with dynamo_errors():
            for record in StatsDayRecord.query(
                keys.CS_STATS,
                StatsDayRecord.sk.between(
                    keys.stats_day_sk(first.isoformat()), keys.stats_day_sk(last.isoformat())
                ),
            ):
                day = date.fromisoformat(record.sk.removeprefix("DAY#"))
                days.append(
                    (
                        day,
                        DayStats(
                            int(record.threads or 0),
                            int(record.messages or 0),
                            int(record.responses or 0),
                            int(record.response_seconds or 0),
                        ),
                    )
                )
        return days
