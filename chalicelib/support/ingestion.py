"""Mail into customer service (DESIGN.md "Mail into customer service"): one ingestion for both
sources (SES inbound objects and the IMAP/POP3 poll), taking raw MIME bytes.

Threading, in order: a signed reply token in a recipient address, In-Reply-To, each References
id, the subject tag; else a new thread (when `create_new_threads`) for the contact whose address
received it. Dedupe is the Message-ID item written in the same transaction as the message. What
can't be parsed or placed is kept (raw copy in S3) and listed as unprocessed — never lost, never
blocking the messages after it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Literal

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import NotFoundError
from chalicelib.core.files import FileStore
from chalicelib.core.observability import logger, metrics
from chalicelib.core.text import normalise_email
from chalicelib.customers.ports import CustomerRepository
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.service import ConfigService
from chalicelib.support.attachments import ATTACHMENT_PREFIX, safe_name, sniff
from chalicelib.support.domain import Attachment, Message, UnprocessedMail
from chalicelib.support.mail_parsing import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    ParsedMail,
    oversized_headers,
    parse_mail,
    trim_quoted,
)
from chalicelib.support.ports import MailboxRepository, ThreadRepository
from chalicelib.support.reply_tokens import ReplyTokens
from chalicelib.support.threads import DuplicateMessageError, ThreadService

UNPROCESSED_PREFIX = "unprocessed/"
MAX_TEXT_CHARS = 100_000
MAX_HTML_CHARS = 150_000
MAX_NOTES = 20
# Attachments listed on a message beyond the ones kept; the rest are summed up in one note.
MAX_LISTED_ATTACHMENTS = 30
DEFAULT_CONTACT = "customer-service"
Outcome = Literal["threaded", "new_thread", "duplicate", "unprocessed"]
_REFERENCES_TRIED = 10


# How far into an unparseable message to look for its From header: linear and bounded, unlike
# full header parsing.
_SENDER_SCAN_BYTES = 16_384
_FROM_HEADER = re.compile(rb"^from:[ \t]*([^\r\n]{1,998})", re.IGNORECASE | re.MULTILINE)


def sender_hint(raw: bytes) -> str | None:
    """The normalised From address of a message the parser refused, if one can be read cheaply
    from its first bytes (so erasure still finds the person's kept mail)."""
    head = raw[:_SENDER_SCAN_BYTES].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _FROM_HEADER.search(head)
    if match is None:
        return None
    _name, address = parseaddr(match.group(1).decode("utf-8", "replace"))
    return normalise_email(address) if "@" in address and len(address) <= 254 else None


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    thread_id: str | None = None
    message_id: str | None = None
    reason: str | None = None
    auto_submitted: bool = False


@dataclass(frozen=True, slots=True)
class MailIngestion:
    threads: ThreadService
    thread_repository: ThreadRepository
    customers: CustomerRepository
    mailboxes: MailboxRepository
    config: ConfigService
    files: FileStore
    reply_tokens: ReplyTokens
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id

    def ingest(self, raw: bytes, source: str, raw_key: str | None = None) -> IngestResult:
        """Store one message. Never raises for the message's content; storage outages propagate
        (the caller retries). `raw_key` is where the bytes already are in S3 (SES inbound)."""
        now = self.clock()
        # Before any parsing: header parsing is superlinear, and no message may hold up the poll.
        oversized = oversized_headers(raw)
        if oversized is not None:
            return self._keep(raw, source, raw_key, now, oversized, sender_hint(raw))
        try:
            parsed = parse_mail(raw)
        except Exception as error:
            return self._keep(
                raw, source, raw_key, now, f"unparseable: {type(error).__name__}", sender_hint(raw)
            )
        sender = normalise_email(parsed.sender) if parsed.sender else None
        try:
            thread_id = self._find_thread(parsed)
            if thread_id is None:
                if parsed.auto_submitted:
                    return self._keep(
                        raw, source, raw_key, now, "auto-reply or bounce with no thread to join", sender
                    )
                settings = self.config.settings().customer_service.imap
                if not settings.create_new_threads:
                    return self._keep(
                        raw, source, raw_key, now, "no thread to join (new threads are off)", sender
                    )
            result = self._store(parsed, thread_id, now, raw_key)
        except NotFoundError:
            return self._keep(raw, source, raw_key, now, "no contact to file it under", sender)
        except Exception as error:
            # A write refused for this message, or a storage outage: either way it is kept (if
            # keeping fails too, that is an outage and the caller retries the whole message).
            return self._keep(
                raw, source, raw_key, now, f"could not be stored: {type(error).__name__}", sender
            )
        if result.outcome == "duplicate" and raw_key is not None:
            self._drop_duplicate_copy(parsed.message_id, raw_key)
        self._count(result)
        return result

    def keep_unparsed(self, raw: bytes, source: str, reason: str) -> IngestResult:
        """Keep a message as unprocessed without parsing it (raw copy and listing): for one that
        could not be ingested however often it was tried."""
        return self._keep(raw, source, None, self.clock(), reason, sender_hint(raw))

    def _drop_duplicate_copy(self, message_id: str, raw_key: str) -> None:
        """A second SES copy of a stored mail (another inbound/ object, same Message-ID) is deleted:
        no message names it, so erasure could never find it. A redelivered event for the stored
        copy itself finds its key on the message and keeps it."""
        thread_id = self.thread_repository.thread_for_message_id(message_id)
        if thread_id is None:
            return
        messages = self.threads.messages_of(thread_id)
        if any(m.raw_key == raw_key for m in messages):
            return
        self.files.delete_keys([raw_key])
        logger.info("duplicate raw copy deleted", thread_id=thread_id)

    # -- threading -----------------------------------------------------------------------------
    def _find_thread(self, parsed: ParsedMail) -> str | None:
        for address in parsed.recipients:
            thread_id = self.reply_tokens.thread_of(self.reply_tokens.token_in(address))
            if thread_id is not None and self.thread_repository.get(thread_id) is not None:
                return thread_id
        candidates = [parsed.in_reply_to] if parsed.in_reply_to else []
        candidates += list(reversed(parsed.references))[:_REFERENCES_TRIED]
        for message_id in dict.fromkeys(candidates):
            thread_id = self.thread_repository.thread_for_message_id(message_id)
            if thread_id is not None:
                return thread_id
        tag = parsed.thread_tag
        if tag is not None:
            return self.thread_repository.thread_for_tag(tag)
        return None

    def _contact_for(self, parsed: ParsedMail) -> ConfigEntry:
        """The contact whose address received the mail; else the default customer-service one."""
        contacts = [c for c in self.config.entries("CONTACT") if c.data.get("save_messages", True)]
        for address in parsed.recipients:
            local, _, domain = address.partition("@")
            plain = f"{local.split('+', 1)[0]}@{domain}"
            for contact in contacts:
                if str(contact.data.get("email") or "").lower() == plain:
                    return contact
        for contact in contacts:
            if contact.id == DEFAULT_CONTACT:
                return contact
        if contacts:
            return contacts[0]
        raise NotFoundError("No contact saves messages.")

    # -- storing -------------------------------------------------------------------------------
    def _store(
        self, parsed: ParsedMail, thread_id: str | None, now: datetime, raw_key: str | None
    ) -> IngestResult:
        if parsed.attachments and self.thread_repository.thread_for_message_id(parsed.message_id):
            # Known already: don't upload its attachments again only to drop them.
            return IngestResult("duplicate", reason="Message-ID already stored")
        message_id = self.ids()
        target = thread_id or self.ids()
        attachments, notes = self._attachments(parsed, target, message_id)
        message = Message(
            id=message_id,
            thread_id=target,
            sender="customer",
            received_at=now,
            # Bounded so one message always fits a DynamoDB item (400 KB); the raw copy is whole.
            text=trim_quoted(parsed.text)[:MAX_TEXT_CHARS],
            html=parsed.html[:MAX_HTML_CHARS] if parsed.html else None,
            email=parsed.sender or None,
            subject=parsed.subject or None,
            attachments=attachments,
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            references=parsed.references[-10:],
            auto_submitted=parsed.auto_submitted,
            source="mail",
            notes=tuple(note[:300] for note in (*parsed.defects, *notes))[:MAX_NOTES],
            # SES mail keeps its inbound/ object; IMAP/POP3 mail that threads keeps no raw copy
            # (the mailbox server holds the original), so only SES and retried kept mail have one.
            raw_key=raw_key,
        )
        try:
            if thread_id is not None:
                thread = self.threads.add_customer_message(thread_id, message, (parsed.message_id,))
                outcome: Outcome = "threaded"
            else:
                contact = self._contact_for(parsed)
                customer = self.customers.get_by_email(parsed.sender) if parsed.sender else None
                thread = self.threads.new_thread(
                    contact.id,
                    parsed.sender or "unknown@invalid",
                    message,
                    customer_id=customer.id if customer else None,
                    subject=parsed.subject,
                    language=parsed.content_language
                    if parsed.content_language in ("en", "fr", "es")
                    else (customer.language if customer else "en"),
                    message_ids=(parsed.message_id,),
                )
                outcome = "new_thread"
        except DuplicateMessageError:
            return IngestResult("duplicate", reason="Message-ID already stored")
        logger.info("mail stored", thread_id=thread.id, outcome=outcome, auto=parsed.auto_submitted)
        return IngestResult(outcome, thread.id, message_id, auto_submitted=parsed.auto_submitted)

    def _attachments(
        self, parsed: ParsedMail, thread_id: str, message_id: str
    ) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
        kept: list[Attachment] = []
        notes: list[str] = []
        for index, part in enumerate(parsed.attachments):
            if index >= MAX_LISTED_ATTACHMENTS:
                notes.append(f"{len(parsed.attachments) - index} more attachments not kept or listed")
                break
            name = safe_name(part.name)
            if index >= MAX_ATTACHMENTS:
                notes.append(f"attachment {name} not kept: more than {MAX_ATTACHMENTS} attachments")
                kept.append(Attachment(name, len(part.data), part.content_type, ""))
                continue
            if len(part.data) > MAX_ATTACHMENT_BYTES:
                notes.append(
                    f"attachment {name} not kept: larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
                )
                kept.append(Attachment(name, len(part.data), part.content_type, ""))
                continue
            # The declared type is the sender's word: only what content sniffing recognises keeps
            # a type a browser would render; anything else is stored as a download.
            content_type = sniff(part.data) or "application/octet-stream"
            key = f"{ATTACHMENT_PREFIX}{thread_id}/{message_id}/{index}-{name}"
            self.files.put(key, part.data, content_type)
            kept.append(Attachment(name, len(part.data), content_type, key))
        return tuple(kept), tuple(notes)

    def _keep(
        self, raw: bytes, source: str, raw_key: str | None, now: datetime, reason: str, sender: str | None
    ) -> IngestResult:
        """Keep what can't be threaded: its raw copy in S3 and a record to list and retry (findable
        by its sender's address for erasure)."""
        unprocessed_id = hashlib.sha256(raw).hexdigest()[:32]
        key = raw_key or f"{UNPROCESSED_PREFIX}{unprocessed_id}.eml"
        if raw_key is None:
            self.files.put(key, raw, "message/rfc822")
        self.mailboxes.keep(
            UnprocessedMail(unprocessed_id, now, reason, len(raw), key, source, sender=sender)
        )
        logger.warning("mail kept unprocessed", unprocessed_id=unprocessed_id, reason=reason.split(":")[0])
        metrics.add_metric(name="MailUnprocessed", unit="Count", value=1)
        return IngestResult("unprocessed", reason=reason)

    @staticmethod
    def _count(result: IngestResult) -> None:
        names = {"threaded": "MailThreaded", "new_thread": "MailNewThreads", "duplicate": "MailDuplicates"}
        metrics.add_metric(name=names.get(result.outcome, "MailOther"), unit="Count", value=1)
        if result.auto_submitted:
            metrics.add_metric(name="MailAutoSubmitted", unit="Count", value=1)

    # -- back-office ---------------------------------------------------------------------------
    def unprocessed_page(self, limit: int, cursor: str | None) -> tuple[list[UnprocessedMail], str | None]:
        page = self.mailboxes.unprocessed_page(limit, self.cursors.decode(cursor, "unprocessed"))
        return page.items, self.cursors.encode(page.next_position, "unprocessed")

    def purge_before(self, before: datetime, limit: int) -> int:
        """Retention: forget kept messages received before `before`, raw copies included."""
        purged = 0
        for kept in self.mailboxes.unprocessed_before(before, limit):
            self.files.delete_prefix(kept.raw_key, limit=1)
            self.mailboxes.resolve(kept.id)
            purged += 1
        return purged

    def retry(self, unprocessed_id: str) -> IngestResult:
        """Run ingestion again on a kept message; it leaves the list once it is stored."""
        kept = self.mailboxes.get_unprocessed(unprocessed_id)
        if kept is None:
            raise NotFoundError("Unprocessed message not found.")
        stream, _size, _type = self.files.open(kept.raw_key)
        with stream:
            raw = stream.read()
        result = self.ingest(raw, kept.source, raw_key=kept.raw_key)
        if result.outcome != "unprocessed":
            self.mailboxes.resolve(unprocessed_id)
        return result
