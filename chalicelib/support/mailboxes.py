"""Inbound mail bookkeeping: kept-but-unprocessed messages and each mail source's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.models import keys
from chalicelib.models.base import TableRecord, index_by_number
from chalicelib.models.errors import conditional, dynamo_errors, get_item
from chalicelib.models.paging import Page, index_page, query_rows
from chalicelib.models.support import MailboxStateRecord, UnprocessedMailRecord
from chalicelib.support.domain import MailboxState, UnprocessedMail


def _from_unprocessed(record: UnprocessedMailRecord) -> UnprocessedMail:
    return UnprocessedMail(
        id=record.unprocessed_id,
        received_at=parse_iso(record.received_at),
        reason=record.reason,
        size=int(record.size or 0),
        raw_key=record.raw_key,
        source=record.source,
        attempts=int(record.attempts or 1),
    )


def _sender_keys(mail: UnprocessedMail) -> dict[str, str | None]:
    if not mail.sender:
        return {}
    return {
        "gsi3pk": keys.unprocessed_from_pk(mail.sender),
        "gsi3sk": keys.time_sk(iso(mail.received_at), mail.id),
    }


def _state_of(record: MailboxStateRecord) -> MailboxState:
    return MailboxState(
        source=record.source,
        last_poll_at=parse_iso(record.last_poll_at) if record.last_poll_at else None,
        last_result=record.last_result,
        last_error=record.last_error,
        last_fetched=int(record.last_fetched or 0),
        fetched_total=int(record.fetched_total or 0),
        uidvalidity=int(record.uidvalidity) if record.uidvalidity is not None else None,
        last_uid=int(record.last_uid or 0),
        uidls=tuple(record.uidls or ()),
        duration_ms=int(record.duration_ms or 0),
        attempting=record.attempting,
        attempts=int(record.attempts or 0),
    )


class DynamoMailboxRepository:
    def keep(self, mail: UnprocessedMail) -> bool:
        """Record an unprocessed message once (the id is the raw bytes' hash). Returns False when it
        was already recorded; its attempt counter and reason are brought up to date then."""
        at = iso(mail.received_at)
        record = UnprocessedMailRecord(
            keys.unprocessed_pk(mail.id),
            keys.UNPROCESSED,
            unprocessed_id=mail.id,
            received_at=at,
            reason=mail.reason,
            size=mail.size,
            raw_key=mail.raw_key,
            source=mail.source,
            attempts=1,
            gsi1pk=keys.UNPROCESSED,
            gsi1sk=keys.time_sk(at, mail.id),
            gsi3pk=keys.unprocessed_from_pk(mail.sender) if mail.sender else None,
            gsi3sk=keys.time_sk(at, mail.id) if mail.sender else None,
        )
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=UnprocessedMailRecord.pk.does_not_exist())
        if not outcome.passed:
            with dynamo_errors():
                UnprocessedMailRecord(keys.unprocessed_pk(mail.id), keys.UNPROCESSED).update(
                    actions=[
                        UnprocessedMailRecord.attempts.add(1),
                        UnprocessedMailRecord.reason.set(mail.reason),
                    ]
                )
        return outcome.passed

    def get_unprocessed(self, unprocessed_id: str) -> UnprocessedMail | None:
        if len(unprocessed_id) > 64:
            return None
        record = get_item(UnprocessedMailRecord, keys.unprocessed_pk(unprocessed_id), keys.UNPROCESSED)
        return _from_unprocessed(record) if record is not None else None

    def resolve(self, unprocessed_id: str) -> None:
        with dynamo_errors():
            UnprocessedMailRecord(keys.unprocessed_pk(unprocessed_id), keys.UNPROCESSED).delete()

    def unprocessed_page(self, limit: int, position: dict[str, Any] | None) -> Page[UnprocessedMail]:
        return index_page(
            1,
            keys.UNPROCESSED,
            lambda record: _from_unprocessed(record) if isinstance(record, UnprocessedMailRecord) else None,
            lambda _mail: True,
            limit,
            position,
        )

    def unprocessed_from(self, normalised_email: str, limit: int) -> list[UnprocessedMail]:
        """Kept messages from one address (GSI3 `UNPROCESSED_FROM#<sha256>`): erasure's lookup."""
        return query_rows(
            index_by_number(3).query,
            keys.unprocessed_from_pk(normalised_email),
            UnprocessedMailRecord,
            _from_unprocessed,
            limit,
        )

    def unprocessed_before(self, before: datetime, limit: int) -> list[UnprocessedMail]:
        """The oldest kept messages received before `before` (GSI1, ascending)."""
        return query_rows(
            index_by_number(1).query,
            keys.UNPROCESSED,
            UnprocessedMailRecord,
            _from_unprocessed,
            limit,
            sort_condition=TableRecord.gsi1sk < iso(before),
            scan_index_forward=True,
        )

    def state(self, source: str) -> MailboxState:
        record = get_item(MailboxStateRecord, keys.MAILBOX, source)
        return _state_of(record) if record is not None else MailboxState(source)

    def states(self) -> list[MailboxState]:
        with dynamo_errors():
            return [
                _state_of(r) for r in TableRecord.query(keys.MAILBOX) if isinstance(r, MailboxStateRecord)
            ]

    def save_state(self, state: MailboxState) -> None:
        """Last writer wins: one poll runs at a time (the schedule), and a replayed checkpoint only
        makes the next run fetch again what dedupe then drops."""
        record = MailboxStateRecord(
            keys.MAILBOX,
            state.source,
            source=state.source,
            last_poll_at=iso(state.last_poll_at) if state.last_poll_at else None,
            last_result=state.last_result,
            last_error=state.last_error,
            last_fetched=state.last_fetched,
            fetched_total=state.fetched_total,
            uidvalidity=state.uidvalidity,
            last_uid=state.last_uid,
            uidls=list(state.uidls),
            duration_ms=state.duration_ms,
            attempting=state.attempting,
            attempts=state.attempts,
        )
        with dynamo_errors():
            record.save()
