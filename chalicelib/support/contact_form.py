"""The storefront contact form: a message to a contact, stored as a thread when the contact saves
messages (else only mailed to the contact), with an acknowledgement mail that threads back."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.carts.ports import OrderRepository
from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.files import FileStore
from chalicelib.core.observability import logger
from chalicelib.core.text import normalise_email
from chalicelib.customers.ports import CustomerRepository
from chalicelib.mail.notifications import Notifier
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.service import ConfigService
from chalicelib.support.attachments import (
    ATTACHMENT_PREFIX,
    safe_name,
    sniff,
)
from chalicelib.support.domain import Attachment, Message, Thread
from chalicelib.support.ports import ThreadRepository
from chalicelib.support.reply_tokens import ReplyTokens
from chalicelib.support.schemas import MAX_ATTACHMENT_BYTES, ContactFormRequest
from chalicelib.support.threads import ThreadService, text_to_html, thread_tag
from chalicelib.throttle.service import Throttle, client_network


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True)
class ContactOutcome:
    stored: bool
    thread_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class ContactFormService:
    threads: ThreadService
    thread_repository: ThreadRepository
    customers: CustomerRepository
    orders: OrderRepository
    config: ConfigService
    notifier: Notifier
    files: FileStore
    throttle: Throttle
    reply_tokens: ReplyTokens
    clock: Clock = utc_now
    ids: IdFactory = new_id

    def submit(
        self, request: ContactFormRequest, customer_id: str | None, ip: str, upload: Upload | None = None
    ) -> ContactOutcome:
        """Raises: ThrottledError, NotFoundError (contact, order), InvalidInputError (attachment)."""
        email = normalise_email(str(request.email))
        subjects = [("contact-ip", client_network(ip)), ("contact-email", email)]
        self.throttle.check(subjects)
        contact = self._contact(request.contact_id)
        content_type = self._check_upload(upload)
        self._check_order(request.order_id, customer_id, email)
        self.throttle.fail(subjects)  # counts this message in the window
        # An anonymous caller's e-mail is only a claim: the message is never linked to the account
        # that address belongs to, nor added to its threads (issue 16 §2.3).
        language: str = request.language or "en"
        verified = False
        if customer_id is not None:
            customer = self.customers.get(customer_id)
            language = request.language or (customer.language if customer else "en")
            # Signed in, the sender is proven only when they write from the account's own address.
            verified = customer is not None and normalise_email(customer.email) == email
        if not contact.data.get("save_messages", True):
            return self._mail_only(contact, request)
        return self._store(contact, request, customer_id, language, upload, content_type, verified)

    # -- checks --------------------------------------------------------------------------------
    def _contact(self, contact_id: str) -> ConfigEntry:
        try:
            contact = self.config.entry("CONTACT", contact_id)
        except NotFoundError:
            raise NotFoundError("Contact not found.") from None
        if contact.data.get("hidden"):
            raise NotFoundError("Contact not found.")
        return contact

    def _check_upload(self, upload: Upload | None) -> str | None:
        if upload is None:
            return None
        if not self.config.settings().customer_service.allow_uploads:
            raise InvalidInputError(
                "The message is not valid.", {"attachment": "file uploads are turned off"}
            )
        if len(upload.data) > MAX_ATTACHMENT_BYTES:
            raise InvalidInputError("The message is not valid.", {"attachment": "larger than 5 MB"})
        if not upload.data:
            raise InvalidInputError("The message is not valid.", {"attachment": "empty file"})
        content_type = sniff(upload.data)
        if content_type is None:
            raise InvalidInputError(
                "The message is not valid.", {"attachment": "only PDF, PNG, JPEG, GIF or text files"}
            )
        return content_type

    def _check_order(self, order_id: str | None, customer_id: str | None, email: str) -> None:
        """The order must be the signed-in customer's, or a guest's with the same e-mail."""
        if order_id is None:
            return
        order = self.orders.get(order_id)
        if order is None:
            raise NotFoundError("Order not found.")
        if customer_id is not None:
            if order.customer_id != customer_id:
                raise NotFoundError("Order not found.")
            return
        owner = self.customers.get(order.customer_id)
        if owner is None or normalise_email(owner.email) != email:
            raise NotFoundError("Order not found.")

    # -- storing -------------------------------------------------------------------------------
    def _open_thread(
        self, contact_id: str, customer_id: str | None, email: str, order_id: str | None
    ) -> Thread | None:
        """The signed-in customer's thread to continue: theirs, same contact and order, not closed.

        Anonymous posts never continue a thread: whoever knows an address could otherwise write
        into its owner's conversation. (Mail replies continue threads through the reply token.)"""
        if customer_id is None:
            return None
        for thread in self.thread_repository.latest_for_email(email):
            if (
                thread.customer_id == customer_id
                and thread.contact_id == contact_id
                and thread.order_id == order_id
                and thread.status != "closed"
            ):
                return thread
        return None

    def _store(
        self,
        contact: ConfigEntry,
        request: ContactFormRequest,
        customer_id: str | None,
        language: str,
        upload: Upload | None,
        content_type: str | None,
        verified: bool,
    ) -> ContactOutcome:
        now = self.clock()
        message_id = self.ids()
        existing = self._open_thread(contact.id, customer_id, str(request.email), request.order_id)
        thread_id = existing.id if existing else self.ids()
        attachments: tuple[Attachment, ...] = ()
        if upload is not None and content_type is not None:
            key = f"{ATTACHMENT_PREFIX}{thread_id}/{message_id}/{safe_name(upload.name)}"
            self.files.put(key, upload.data, content_type)
            attachments = (Attachment(safe_name(upload.name), len(upload.data), content_type, key),)
        mailbox = self.threads.mailbox(contact)
        domain = mailbox.rpartition("@")[2] or "clientele.invalid"
        ack_id = f"<{message_id.lower()}.ack@{domain}>"
        message = Message(
            id=message_id,
            thread_id=thread_id,
            sender="customer",
            received_at=now,
            text=request.message,
            html=text_to_html(request.message),
            email=str(request.email),
            subject=request.subject,
            attachments=attachments,
            # The customer's copy of this message is our acknowledgement mail: replies to that
            # copy, and our answers, refer to its Message-ID.
            message_id=ack_id,
            source="form",
        )
        try:
            if existing is None:
                thread = self.threads.new_thread(
                    contact.id,
                    str(request.email),
                    message,
                    customer_id=customer_id,
                    order_id=request.order_id,
                    product_id=request.product_id,
                    subject=request.subject or "",
                    language=language,
                    message_ids=(ack_id,),
                    sender_verified=verified,
                )
            else:
                thread = self.threads.add_customer_message(existing.id, message, (ack_id,))
        except TransactionCancelledError:
            raise NotFoundError("Contact not found.") from None
        self._acknowledge(thread, message, ack_id, mailbox, language)
        return ContactOutcome(True, thread.id, message.id)

    def _acknowledge(
        self, thread: Thread, message: Message, ack_id: str, mailbox: str, language: str
    ) -> None:
        """The customer's copy, carrying the reply token and a Message-ID their answer refers to."""
        headers = {"Message-ID": ack_id, "Reply-To": self.reply_tokens.address(mailbox, thread.id)}
        try:
            self.notifier.send(
                f"contact-ack:{message.id}",
                str(message.email),
                language,
                "contact_ack",
                # Never the message itself: quoting what an anonymous caller typed would turn the
                # acknowledgement into a mail anyone can send to any address with any text.
                {"tag": thread_tag(thread.id)},
                headers=headers,
                sender=mailbox,
            )
        except Exception:
            logger.warning("contact acknowledgement not sent", thread_id=thread.id)

    def _mail_only(self, contact: ConfigEntry, request: ContactFormRequest) -> ContactOutcome:
        """A contact that doesn't save messages: the message goes to its address, nothing is kept."""
        message_id = self.ids()
        to = self.threads.mailbox(contact)
        self.notifier.send(
            f"contact-mail:{message_id}",
            to,
            "en",
            "contact_message",
            {
                "contact_name": str(contact.data.get("name", contact.id)),
                "customer_email": str(request.email),
                "subject": request.subject or "",
                "order_id": request.order_id or "",
                "product_id": request.product_id or "",
                "message": request.message,
            },
            headers={"Reply-To": str(request.email)},
        )
        return ContactOutcome(False)
