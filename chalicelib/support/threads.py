"""Customer service in the back-office: threads, replies by mail, statuses, forwarding, the next
unanswered thread, the contacts' boxes and statistics. Customer messages (form and, later, mail)
come in through `add_customer_message`."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import nh3

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import ConflictError, DomainError, NotFoundError, RuleViolationError
from chalicelib.core.observability import logger
from chalicelib.customers.domain import Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.mail.notifications import DEFAULT_SENDER, Notifier
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.service import ConfigService
from chalicelib.staff.ports import EmployeeRepository
from chalicelib.support.domain import (
    DayStats,
    Message,
    Thread,
    ThreadEvent,
    ThreadFilters,
    ThreadStatus,
    ThreadView,
)
from chalicelib.support.ports import ThreadRepository, ThreadWrite
from chalicelib.support.reply_tokens import ReplyTokens
from chalicelib.support.schemas import ForwardRequest, ListThreadsParams, ReplyRequest

# A thread write that loses a race (a second message, a status change) is redone this many times.
_ATTEMPTS = 4
# References kept on a reply (the newest ones): enough for every mail client to thread it.
_REFERENCES_KEPT = 10
STATUS_LEGEND = {
    "open": "Open: waiting for the shop",
    "closed": "Closed: handled",
    "pending1": "Pending 1: waiting for information",
    "pending2": "Pending 2: waiting for a third party",
}


class DuplicateMessageError(ConflictError):
    """The message's Message-ID is already stored (a redelivery, or the same mail from another
    source): nothing was written."""


def text_to_html(text: str) -> str:
    """Plain text as safe HTML (escaped, line breaks kept), run through the sanitiser as well."""
    cleaned: str = nh3.clean("<p>" + html.escape(text).replace("\n", "<br>") + "</p>")
    return cleaned


def thread_tag(thread_id: str) -> str:
    """The subject tag "[#<tag>]": the id's last 10 characters (its random part)."""
    return thread_id[-10:].lower()


@dataclass(frozen=True)
class Statistics:
    date_from: date
    date_to: date
    threads: int
    messages: int
    pending: int
    responses: int
    average_first_response_seconds: int | None


@dataclass(frozen=True, slots=True)
class ThreadService:
    threads: ThreadRepository
    customers: CustomerRepository
    employees: EmployeeRepository
    config: ConfigService
    notifier: Notifier
    reply_tokens: ReplyTokens
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id

    # -- writing -------------------------------------------------------------------------------
    def _write(self, change: ThreadWrite) -> None:
        try:
            self.threads.write(change)
        except TransactionCancelledError as cancelled:
            if "message_id" in cancelled.reasons:
                raise DuplicateMessageError("This message is already stored.") from None
            raise

    def _changed(self, thread_id: str, change: Callable[[Thread], ThreadWrite | None]) -> Thread:
        """Re-read and re-apply `change(thread) -> ThreadWrite` while it loses races."""
        for attempt in range(1, _ATTEMPTS + 1):
            thread = self.get(thread_id)
            write = change(thread)
            if write is None:
                return thread
            try:
                self._write(write)
            except TransactionCancelledError as cancelled:
                if cancelled.reasons <= {"thread", "contact", "stats"} and attempt < _ATTEMPTS:
                    continue
                raise ConflictError("The thread changed at the same time; reload and try again.") from None
            return replace(write.after, version=thread.version + 1)
        raise ConflictError("The thread changed at the same time; reload and try again.")  # pragma: no cover

    def new_thread(
        self,
        contact_id: str,
        email: str,
        message: Message,
        *,
        customer_id: str | None,
        order_id: str | None = None,
        product_id: str | None = None,
        subject: str = "",
        language: str = "en",
        message_ids: tuple[str, ...] = (),
        sender_verified: bool = True,
    ) -> Thread:
        """A thread opened by a customer message. Raises: TransactionCancelledError ("message_id":
        that Message-ID is already stored — a duplicate)."""
        thread_id = message.thread_id
        thread = Thread(
            id=thread_id,
            contact_id=contact_id,
            email=email,
            status="open",
            created_at=message.received_at,
            updated_at=message.received_at,
            last_message_at=message.received_at,
            last_message_from="customer",
            subject=subject,
            customer_id=customer_id,
            order_id=order_id,
            product_id=product_id,
            language=language,
            unread=True,
            message_count=1,
            tag=thread_tag(thread_id),
            last_customer_message_id=message.message_id,
            references=(message.message_id,) if message.message_id else (),
            sender_verified=sender_verified,
        )
        self._write(
            ThreadWrite(
                before=None,
                after=thread,
                messages=(message,),
                message_ids=message_ids,
                stats_day=message.received_at.date(),
                stats=DayStats(threads=1, messages=1),
                new_thread_for_contact=True,
            )
        )
        logger.info("thread opened", thread_id=thread_id, contact_id=contact_id)
        return replace(thread, version=1)

    def add_customer_message(
        self, thread_id: str, message: Message, message_ids: tuple[str, ...] = ()
    ) -> Thread:
        """Append a customer's message: unread, and a closed thread opens again — unless it is an
        auto-reply or a bounce, which is stored without reopening anything."""

        def change(thread: Thread) -> ThreadWrite:
            status: ThreadStatus = thread.status
            if status == "closed" and not message.auto_submitted:
                status = "open"
            references = thread.references
            if message.message_id:
                references = (*references, message.message_id)[-_REFERENCES_KEPT:]
            after = replace(
                thread,
                status=status,
                unread=thread.unread or not message.auto_submitted,
                updated_at=message.received_at,
                last_message_at=message.received_at if not message.auto_submitted else thread.last_message_at,
                last_message_from="customer" if not message.auto_submitted else thread.last_message_from,
                message_count=thread.message_count + 1,
                last_customer_message_id=message.message_id or thread.last_customer_message_id,
                references=references,
            )
            return ThreadWrite(
                thread,
                after,
                messages=(replace(message, thread_id=thread.id),),
                message_ids=message_ids,
                stats_day=message.received_at.date(),
                stats=DayStats(messages=1),
            )

        return self._changed(thread_id, change)

    # -- reading -------------------------------------------------------------------------------
    def get(self, thread_id: str) -> Thread:
        thread = self.threads.get(thread_id)
        if thread is None:
            raise NotFoundError("Thread not found.")
        return thread

    def list_page(self, params: ListThreadsParams) -> tuple[list[Thread], str | None]:
        unread = None if params.unread is None else params.unread in ("1", "true", "yes")
        filters = ThreadFilters(
            contact_id=params.contact_id,
            status=params.status,
            customer_id=params.customer_id,
            email=params.email,
            unread=unread,
            assigned_employee_id=params.assigned_employee_id,
        )
        scope = "threads|" + "|".join(str(v) for v in vars(filters).values())
        page = self.threads.list_page(filters, params.limit, self.cursors.decode(params.cursor, scope))
        return page.items, self.cursors.encode(page.next_position, scope)

    def view(self, thread_id: str) -> ThreadView:
        """The thread with its messages and events; reading it marks its messages read."""
        view = self.threads.view(thread_id)
        if view is None:
            raise NotFoundError("Thread not found.")
        if view.thread.unread:
            now = self.clock()
            try:
                thread = self._changed(
                    thread_id,
                    lambda t: ThreadWrite(t, replace(t, unread=False, read_at=now)) if t.unread else None,
                )
                view = replace(view, thread=thread)
            except ConflictError:
                logger.info("thread read marker lost a race", thread_id=thread_id)
        return view

    def messages_of(self, thread_id: str) -> tuple[Message, ...]:
        """A thread's messages without marking anything read (exports)."""
        view = self.threads.view(thread_id)
        return view.messages if view else ()

    def for_customer(self, customer_id: str, limit: int = 20) -> list[Thread]:
        return self.threads.for_customer(customer_id, limit)

    def next_unanswered(self) -> Thread:
        thread = self.threads.oldest_unanswered()
        if thread is None:
            raise NotFoundError("No thread is waiting for an answer.")
        return thread

    def customer_of(self, thread: Thread) -> Customer | None:
        return self.customers.get(thread.customer_id) if thread.customer_id else None

    # -- acting --------------------------------------------------------------------------------
    def set_status(self, thread_id: str, status: ThreadStatus, employee_id: str) -> Thread:
        now = self.clock()

        def change(thread: Thread) -> ThreadWrite | None:
            if thread.status == status:
                return None
            event = ThreadEvent(
                self.ids(), thread.id, "status", now, employee_id, {"from": thread.status, "to": status}
            )
            return ThreadWrite(thread, replace(thread, status=status, updated_at=now), events=(event,))

        return self._changed(thread_id, change)

    def _contact(self, thread: Thread) -> ConfigEntry:
        try:
            return self.config.entry("CONTACT", thread.contact_id)
        except NotFoundError:
            return ConfigEntry("CONTACT", thread.contact_id, {"name": thread.contact_id})

    def mailbox(self, contact: ConfigEntry) -> str:
        """The address customer-service mail comes from and goes back to."""
        return str(contact.data.get("email") or self.config.settings().shop_email or DEFAULT_SENDER)

    def reply(self, thread_id: str, request: ReplyRequest, employee_id: str) -> Message:
        """Store the employee's reply and mail it with threading headers and a reply token.

        Raises: NotFoundError, ConflictError, ServiceUnavailableError (the mail didn't go out; the
        reply is stored and shown in the thread)."""
        now = self.clock()
        text = request.message
        if request.order_message_id:
            thread = self.get(thread_id)
            text = "\n\n".join(
                part
                for part in (text, self._order_message(request.order_message_id, thread.language))
                if part
            )
        message_id = self.ids()
        holder: dict[str, Any] = {}

        def change(thread: Thread) -> ThreadWrite:
            contact = self._contact(thread)
            domain = self.mailbox(contact).rpartition("@")[2] or "clientele.invalid"
            rfc_id = f"<{message_id.lower()}.reply@{domain}>"
            message = Message(
                id=message_id,
                thread_id=thread.id,
                sender="employee",
                received_at=now,
                text=text,
                html=text_to_html(text),
                email=self.mailbox(contact),
                employee_id=employee_id,
                subject=self._subject(thread),
                message_id=rfc_id,
                in_reply_to=thread.last_customer_message_id,
                references=thread.references,
                source="reply",
            )
            first = thread.first_response_at is None
            stats = DayStats(
                messages=1,
                responses=1 if first else 0,
                response_seconds=int((now - thread.created_at).total_seconds()) if first else 0,
            )
            after = replace(
                thread,
                updated_at=now,
                last_message_at=now,
                last_message_from="employee",
                message_count=thread.message_count + 1,
                first_response_at=thread.first_response_at or now,
                # Answering a thread reads it.
                unread=False,
                read_at=now,
                references=(*thread.references, rfc_id)[-_REFERENCES_KEPT:],
            )
            holder.update(message=message, thread=after, contact=contact)
            return ThreadWrite(
                thread,
                after,
                messages=(message,),
                message_ids=(rfc_id,),
                stats_day=now.date(),
                stats=stats,
            )

        self._changed(thread_id, change)
        message: Message = holder["message"]
        self._send_reply(message, holder["thread"], holder["contact"])
        return message

    def _subject(self, thread: Thread) -> str:
        base = thread.subject or "Your message"
        if not base.lower().startswith("re:"):
            base = f"Re: {base}"
        return f"[#{thread.tag}] {base}"

    def _send_reply(self, message: Message, thread: Thread, contact: ConfigEntry) -> None:
        mailbox = self.mailbox(contact)
        headers = {
            "Message-ID": message.message_id or "",
            "Reply-To": self.reply_tokens.address(mailbox, thread.id),
        }
        if message.in_reply_to:
            headers["In-Reply-To"] = message.in_reply_to
        if message.references:
            headers["References"] = " ".join(message.references)
        self.notifier.send(
            f"thread-reply:{message.id}",
            thread.email,
            thread.language,
            "thread_reply",
            {"subject": message.subject, "message": message.text},
            headers=headers,
            sender=mailbox,
            automatic=False,
        )

    def _order_message(self, order_message_id: str, language: str) -> str:
        return order_message_text(self.config.entry("ORDER_MESSAGE", order_message_id), language)

    def reply_defaults(self, thread: Thread) -> tuple[str, list[dict[str, str]]]:
        """The reply form's default text and the predefined messages in the thread's language."""
        return self.config.settings().customer_service.default_message, [
            {
                "id": entry.id,
                "name": str(entry.data.get("name", entry.id)),
                "message": order_message_text(entry, thread.language),
            }
            for entry in self.config.entries("ORDER_MESSAGE")
        ]

    def forward(self, thread_id: str, request: ForwardRequest, employee_id: str) -> Thread:
        """To an employee (the thread is assigned to them, and they're mailed) or to any address
        with a comment and the thread's last messages. Raises: NotFoundError, RuleViolationError."""
        now = self.clock()
        target = None
        if request.employee_id is not None:
            target = self.employees.get(request.employee_id)
            if target is None or not target.active:
                raise NotFoundError("Employee not found.")
        event_id = self.ids()

        def change(thread: Thread) -> ThreadWrite:
            data: dict[str, Any] = {"comment": request.comment or ""}
            after = replace(thread, updated_at=now)
            if target is not None:
                data["employee_id"] = target.id
                after = replace(after, assigned_employee_id=target.id)
            else:
                data["email"] = str(request.email)
            event = ThreadEvent(event_id, thread.id, "forward", now, employee_id, data)
            return ThreadWrite(thread, after, events=(event,))

        thread = self._changed(thread_id, change)
        to = target.email if target is not None else str(request.email)
        view = self.threads.view(thread_id)
        recent = view.messages[-3:] if view else ()
        try:
            self.notifier.send(
                f"thread-forward:{event_id}",
                to,
                target.language if target is not None else thread.language,
                "thread_forward",
                {
                    "subject": f"[#{thread.tag}] {thread.subject or '(no subject)'}",
                    "comment": request.comment or "",
                    "customer_email": thread.email,
                    "messages": [
                        {"from": m.sender, "at": m.received_at.isoformat(), "text": m.text} for m in recent
                    ],
                },
                headers={
                    "Reply-To": self.reply_tokens.address(self.mailbox(self._contact(thread)), thread.id)
                },
            )
        except DomainError:
            logger.warning("forward mail not sent", thread_id=thread_id)
        return thread

    # -- summary -------------------------------------------------------------------------------
    def boxes(self) -> list[ConfigEntry]:
        self.config.invalidate()  # the counters move with every thread write
        return self.config.entries("CONTACT")

    def statistics(self, date_from: date | None, date_to: date | None) -> Statistics:
        today = self.clock().date()
        last = date_to or today
        first = date_from or (last - timedelta(days=29))
        if first > last:
            raise RuleViolationError("date_from must not be after date_to.")
        if (last - first).days > 366:
            raise RuleViolationError("The period can't be longer than a year.")
        days = self.threads.stats(first, last)
        threads = sum(d.threads for _, d in days)
        messages = sum(d.messages for _, d in days)
        responses = sum(d.responses for _, d in days)
        seconds = sum(d.response_seconds for _, d in days)
        pending = sum(entry.counters.get("pending_count", 0) for entry in self.boxes())
        average = round(seconds / responses) if responses else None
        return Statistics(first, last, threads, messages, pending, responses, average)


def order_message_text(entry: ConfigEntry, language: str) -> str:
    """A predefined order message in `language`, else its default text."""
    messages = entry.data.get("messages") or {}
    return str(messages.get(language) or entry.data.get("message") or "")


def read_state(thread: Thread, message: Message) -> bool:
    """Customer messages are read once the thread was opened after they came in."""
    if message.sender != "customer":
        return True
    return thread.read_at is not None and message.received_at <= thread.read_at
