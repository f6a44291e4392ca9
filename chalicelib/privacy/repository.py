"""Privacy in DynamoDB: suppressions, erasure jobs, and the item-level erasure steps.

Each erasure step works on one page of one keyed partition (the customer's GSI1 activity
partition, the thread e-mail partition, the customer's item collection) and is idempotent, so a
step cut short by a failure is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from chalicelib.carts.domain import Cart
from chalicelib.carts.records import from_cart_record
from chalicelib.core.clock import iso
from chalicelib.core.errors import ConflictError
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import TokenScope
from chalicelib.models import keys
from chalicelib.models.base import TableRecord, index_by_number
from chalicelib.models.carts import CartRecord, OrderRecord
from chalicelib.models.customers import (
    CUSTOMER_FLAGS_INDEX,
    AccountTokenRecord,
    CustomerRecord,
    ErasureRecord,
    GroupMembershipRecord,
    GuestConsentRecord,
    SuppressionRecord,
)
from chalicelib.models.errors import conditional, dynamo_errors, get_item, save_at_version
from chalicelib.models.mapping import RecordMapping
from chalicelib.models.paging import merged_index_page, query_rows
from chalicelib.models.support import MessageRecord, ThreadEventRecord, ThreadRecord
from chalicelib.privacy.domain import OPEN_ORDER_STATUSES, ErasureJob
from chalicelib.support.domain import Message

T = TypeVar("T")

# What erased personal data is replaced with.
ERASED = "[erased]"
ERASED_EMAIL = "erased@erased.invalid"
_HIGH = "\uffff"


def anonymous_address(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    """An order's address snapshot without the person: the country stays (tax accounting)."""
    if not snapshot:
        return snapshot
    return {
        "first_name": ERASED,
        "last_name": ERASED,
        "address1": ERASED,
        "city": ERASED,
        "country": snapshot.get("country"),
    }


# Every field of the job is an attribute of the same name (chalicelib/models/mapping.py); only
# the keys are stated here.
_JOB = RecordMapping(ErasureJob, ErasureRecord)


def _job_from(record: ErasureRecord) -> ErasureJob:
    return _JOB.from_record(record)


def _job_record(job: ErasureJob) -> ErasureRecord:
    listed = keys.time_sk(iso(job.started_at), job.customer_id)
    return _JOB.to_record(
        job,
        keys.erasure_pk(job.customer_id),
        keys.JOB,
        gsi1pk=keys.ERASURES,
        gsi1sk=listed,
        gsi2pk=keys.erasures_status_pk("done" if job.done else "running"),
        gsi2sk=listed,
    )


class DynamoPrivacyRepository:
    # -- suppressions (guest unsubscribes) -------------------------------------------------------
    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        """Idempotent: a second unsubscribe keeps the first record."""
        record = SuppressionRecord(
            keys.suppression_pk(email_hash), keys.suppression_sk(channel), source=source, at=at
        )
        with dynamo_errors(), conditional():
            record.save(condition=SuppressionRecord.pk.does_not_exist())

    def is_suppressed(self, email_hash: str, channel: str) -> bool:
        suppression = get_item(
            SuppressionRecord, keys.suppression_pk(email_hash), keys.suppression_sk(channel)
        )
        return suppression is not None

    # -- guest opt-ins (double opt-in confirmations) ------------------------------------------------
    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        """Record a guest's confirmed consent; False when it was already recorded (kept as first)."""
        record = GuestConsentRecord(
            keys.guest_consent_pk(email_hash),
            keys.suppression_sk(channel),
            channel=channel,
            source=source,
            at=at,
        )
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=GuestConsentRecord.pk.does_not_exist())
        return outcome.passed

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None:
        """(source, at) of a guest's confirmed consent to `channel`, or None."""
        record = get_item(GuestConsentRecord, keys.guest_consent_pk(email_hash), keys.suppression_sk(channel))
        if record is None:
            return None
        return record.source, record.at

    def opt_ins(self, email_hash: str) -> list[tuple[str, str, str]]:
        """Every confirmed guest consent of an address: (channel, source, at)."""
        with dynamo_errors():
            return [
                (r.channel, r.source, r.at)
                for r in GuestConsentRecord.query(keys.guest_consent_pk(email_hash))
                if isinstance(r, GuestConsentRecord)
            ]

    def delete_opt_ins(self, email_hash: str) -> int:
        """Erasure: forget an address's confirmed guest consents."""
        deleted = 0
        with dynamo_errors():
            for record in GuestConsentRecord.query(keys.guest_consent_pk(email_hash)):
                record.delete()
                deleted += 1
        return deleted

    # -- erasure jobs ----------------------------------------------------------------------------
    def get_job(self, customer_id: str) -> ErasureJob | None:
        record = get_item(ErasureRecord, keys.erasure_pk(customer_id), keys.JOB)
        return _job_from(record) if record is not None else None

    def start_job(self, job: ErasureJob) -> ErasureJob:
        """Create the job, or return the one already there (a second request joins the first)."""
        with dynamo_errors(), conditional() as outcome:
            _job_record(job).save(condition=ErasureRecord.pk.does_not_exist())
        if outcome.passed:
            return replace(job, version=1)
        existing = self.get_job(job.customer_id)
        assert existing is not None
        return existing

    def save_job(self, before: ErasureJob, after: ErasureJob) -> ErasureJob:
        """Version-checked checkpoint. Raises: ConflictError (another run moved the job on)."""
        if not save_at_version(_job_record(after), before.version):
            raise ConflictError("The erasure was moved on by another run.")
        return replace(after, version=before.version + 1)

    def jobs(self, status: str, limit: int) -> list[ErasureJob]:
        with dynamo_errors():
            return [
                _job_from(r)
                for r in index_by_number(2).query(keys.erasures_status_pk(status), limit=limit)
                if isinstance(r, ErasureRecord)
            ]

    def audit(self, limit: int) -> list[ErasureJob]:
        """Erasures, newest first (the audit trail)."""
        with dynamo_errors():
            return [
                _job_from(r)
                for r in index_by_number(1).query(keys.ERASURES, scan_index_forward=False, limit=limit)
                if isinstance(r, ErasureRecord)
            ]

    # -- what blocks an erasure ------------------------------------------------------------------
    def open_orders(self, customer_id: str) -> int:
        """Orders of the customer still pending, processing or shipped (reads the order partition)."""
        count = 0
        for record in self._activity(customer_id, keys.ORDER, None, None):
            if isinstance(record, OrderRecord) and record.status in OPEN_ORDER_STATUSES:
                count += 1
        return count

    def consume_token(self, token_hash: str, scope: TokenScope, customer_id: str) -> bool:
        """Delete a single-use account token of `scope`; False when it was already used."""
        record = AccountTokenRecord(keys.account_token_pk(scope, token_hash), "TOKEN")
        with dynamo_errors(), conditional() as outcome:
            record.delete(condition=AccountTokenRecord.customer_id == customer_id)
        return outcome.passed

    # -- retention -------------------------------------------------------------------------------
    def old_guest_ids(self, created_before_id: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        """(id, orders_count) of guest customers created before the ULID `created_before_id`
        (and after id `after`), oldest first: the guest partitions of the flags index (GSI18,
        sorted by id, and ids are time-ordered), merged on their keys (the index holds keys only),
        then the page's profiles in one BatchGetItem for their order counts."""
        page = merged_index_page(
            CUSTOMER_FLAGS_INDEX,
            keys.customer_flag_partitions(guest=True),
            lambda r: (
                str(getattr(r, f"gsi{CUSTOMER_FLAGS_INDEX}sk")) if isinstance(r, CustomerRecord) else None
            ),
            lambda _row: True,
            limit,
            {"after": after} if after else None,
            bound=created_before_id,
        )
        if not page.items:
            return []
        with dynamo_errors():
            counts = {
                r.customer_id: int(r.orders_count or 0)
                for r in CustomerRecord.batch_get([(keys.customer_pk(i), keys.PROFILE) for i in page.items])
            }
        return [(i, counts[i]) for i in page.items if i in counts]

    def abandoned_carts_before(self, before_iso: str, limit: int) -> list[Cart]:
        """Abandoned carts last touched before `before_iso`, oldest first (GSI2 CARTS#abandoned)."""
        return query_rows(
            index_by_number(2).query,
            keys.carts_status_pk("abandoned"),
            CartRecord,
            from_cart_record,
            limit,
            sort_condition=TableRecord.gsi2sk < before_iso,
        )

    # -- steps -----------------------------------------------------------------------------------
    def _activity(self, customer_id: str, kind: str, after: str | None, limit: int | None) -> Iterator[Any]:
        prefix = keys.activity_prefix(kind)
        condition = TableRecord.gsi1sk.between((after or prefix) + "\x00", prefix + _HIGH)
        with dynamo_errors():
            yield from index_by_number(1).query(
                keys.customer_pk(customer_id), condition, limit=limit, page_size=limit
            )

    def thread_ids_by_email(self, email: str, limit: int) -> list[str]:
        """Threads still filed under this e-mail (anonymising moves them out of the partition)."""
        with dynamo_errors():
            return [
                r.thread_id
                for r in index_by_number(3).query(keys.thread_email_pk(normalise_email(email)), limit=limit)
                if isinstance(r, ThreadRecord)
            ]

    def thread_ids_of(self, customer_id: str, after: str | None, limit: int) -> list[tuple[str, str]]:
        """(thread id, position) of the customer's threads after `after`."""
        return [
            (r.thread_id, r.gsi1sk)
            for r in self._activity(customer_id, keys.THREAD, after, limit)
            if isinstance(r, ThreadRecord)
        ]

    def anonymise_thread(self, thread_id: str) -> int:
        """Replace the thread's e-mail, subject, message senders, bodies and attachment lists with
        placeholders (the thread leaves its THREAD_EMAIL# partition). Returns items written.
        Raises: ConflictError (the thread changed meanwhile; run the step again)."""
        # The threads' mappers load with an erasure: this store also serves the consents of every
        # cart sweep, which must not load customer service's storage (cold start, issue 19).
        from chalicelib.support.records import from_thread_record, to_thread_record

        written = 0
        with dynamo_errors():
            for record in TableRecord.query(keys.thread_pk(thread_id)):
                if isinstance(record, ThreadRecord):
                    thread = from_thread_record(record)
                    erased = to_thread_record(replace(thread, email=ERASED_EMAIL, subject=ERASED))
                    erased.version = record.version
                    with conditional() as outcome:
                        erased.save()
                    if not outcome.passed:
                        raise ConflictError("The thread changed during the erasure.")
                    written += 1
                elif isinstance(record, MessageRecord):
                    if self._erase_message(record):
                        written += 1
                elif isinstance(record, ThreadEventRecord) and record.data:
                    record.data = {}
                    record.save()
                    written += 1
        return written

    def thread_raw_keys(self, thread_id: str) -> list[str]:
        """The raw-mail objects the thread's messages were received as (deleted before the
        messages are anonymised, so a failed step finds them again)."""
        with dynamo_errors():
            return [
                record.raw_key
                for record in TableRecord.query(
                    keys.thread_pk(thread_id), TableRecord.sk.startswith(keys.MESSAGE_PREFIX)
                )
                if isinstance(record, MessageRecord) and record.raw_key
            ]

    @staticmethod
    def _erase_message(record: MessageRecord) -> bool:
        from chalicelib.support.records import from_message_record  # with an erasure (see above)

        message: Message = from_message_record(record)
        if (
            message.text == ERASED
            and message.email is None
            and not message.attachments
            and not record.raw_key
        ):
            return False
        record.text = ERASED
        record.html = None
        record.email = None
        record.subject = ERASED if message.subject else None
        record.attachments = []
        record.raw_key = None
        record.save()
        return True

    def anonymise_orders(self, customer_id: str, after: str | None, limit: int) -> tuple[int, str | None]:
        """Anonymise one page of the customer's order address snapshots; totals, lines, dates and
        statuses stay. Returns (orders written, position of the last order or None when done)."""
        written, last = 0, None
        for record in self._activity(customer_id, keys.ORDER, after, limit):
            if not isinstance(record, OrderRecord):
                continue
            last = record.gsi1sk
            delivery = anonymous_address(record.delivery_address)
            invoice = anonymous_address(record.invoice_address)
            if (delivery, invoice) == (record.delivery_address, record.invoice_address):
                continue
            record.delivery_address, record.invoice_address = delivery, invoice
            with dynamo_errors(), conditional() as outcome:
                record.save()
            if not outcome.passed:
                raise ConflictError("The order changed during the erasure.")
            written += 1
        return written, last

    def delete_carts(self, customer_id: str, limit: int) -> int:
        """Delete one page of the customer's carts (deleted carts leave the partition)."""
        carts = self._activity(customer_id, keys.CART, None, limit)
        return self._delete_all(r for r in carts if isinstance(r, CartRecord))

    def open_links(self, customer_id: str) -> list[tuple[str, str]]:
        """(purpose, valid_until) of the customer's unused account links (their hashes stay secret)."""
        return [
            (r.purpose, r.valid_until)
            for r in self._activity(customer_id, "ACCOUNT_TOKEN", None, None)
            if isinstance(r, AccountTokenRecord)
        ]

    def guest_carts(self, email: str, limit: int) -> list[Cart]:
        """Carts opened by a guest with this e-mail and never attached to an account."""
        return self._guest_cart_items(email, from_cart_record, limit)

    def delete_guest_carts(self, email: str, limit: int) -> int:
        return self._delete_all(iter(self._guest_cart_items(email, lambda r: r, limit)))

    @staticmethod
    def _guest_cart_items(email: str, convert: Callable[[CartRecord], T], limit: int) -> list[T]:
        """GSI4 `CART_EMAIL#<e-mail>`: the carts opened by a guest with this e-mail."""
        return query_rows(
            index_by_number(4).query, keys.cart_email_pk(normalise_email(email)), CartRecord, convert, limit
        )

    def delete_tokens(self, customer_id: str, limit: int) -> int:
        return self._delete_all(
            r
            for r in self._activity(customer_id, "ACCOUNT_TOKEN", None, limit)
            if isinstance(r, AccountTokenRecord)
        )

    def delete_collection_items(self, customer_id: str, limit: int) -> int:
        """Delete one page of the customer's collection except the profile and memberships (those
        go in the profile's transaction, with the e-mail item and group counters)."""
        with dynamo_errors():
            records = [
                r
                for r in TableRecord.query(
                    keys.customer_pk(customer_id), limit=limit + 20, page_size=limit + 20
                )
                if not isinstance(r, (CustomerRecord, GroupMembershipRecord))
            ][:limit]
        return self._delete_all(iter(records))

    @staticmethod
    def _delete_all(records: Iterator[Any]) -> int:
        count = 0
        with dynamo_errors(), TableRecord.batch_write() as batch:
            for record in records:
                batch.delete(record)
                count += 1
        return count
