"""Customer service's parts: threads, the contact form, inbound mail (SES and the mailbox poll)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.carts import CartParts
from chalicelib.wiring.staff import StaffParts

if TYPE_CHECKING:
    from chalicelib.core.secrets import SecretStore
    from chalicelib.support.contact_form import ContactFormService
    from chalicelib.support.ingestion import MailIngestion
    from chalicelib.support.mail_poll import MailPoller
    from chalicelib.support.ports import MailboxRepository, ThreadRepository
    from chalicelib.support.reply_tokens import ReplyTokens
    from chalicelib.support.threads import ThreadService

# The contact form is public: this many messages per IP address and per e-mail per window.
CONTACT_MESSAGES_PER_WINDOW = 5
CONTACT_WINDOW = timedelta(minutes=10)


class SupportParts(CartParts, StaffParts):
    @part
    def thread_repository(self) -> ThreadRepository:
        from chalicelib.support.repository import DynamoThreadRepository

        return self.given.thread_store or DynamoThreadRepository()

    @part
    def mailboxes(self) -> MailboxRepository:
        from chalicelib.support.mailboxes import DynamoMailboxRepository

        return self.given.mailbox_store or DynamoMailboxRepository()

    @part
    def imap_password(self) -> SecretStore:
        from chalicelib.core.secrets import imap_password_store

        return self.given.imap_password or imap_password_store(self.settings)

    @part
    def reply_tokens(self) -> ReplyTokens:
        from chalicelib.support.reply_tokens import ReplyTokens

        return ReplyTokens(self.secret)

    @part
    def threads(self) -> ThreadService:
        from chalicelib.support.threads import ThreadService

        return ThreadService(
            self.thread_repository,
            self.customer_repository,
            self.employee_repository,
            self.config,
            self.notifier,
            self.reply_tokens,
            self.cursors,
            self.clock,
            self.ids,
        )

    @part
    def contact_form(self) -> ContactFormService:
        from chalicelib.support.contact_form import ContactFormService

        return ContactFormService(
            self.threads,
            self.thread_repository,
            self.customer_repository,
            self.order_repository,
            self.config,
            self.notifier,
            self.files,
            self.failure_throttle(CONTACT_MESSAGES_PER_WINDOW, CONTACT_WINDOW),
            self.reply_tokens,
            self.clock,
            self.ids,
        )

    @part
    def ingestion(self) -> MailIngestion:
        from chalicelib.support.ingestion import MailIngestion

        return MailIngestion(
            self.threads,
            self.thread_repository,
            self.customer_repository,
            self.mailboxes,
            self.config,
            self.files,
            self.reply_tokens,
            self.cursors,
            self.clock,
            self.ids,
        )

    @part
    def mail_poll(self) -> MailPoller:
        from chalicelib.support.mail_poll import MailPoller

        return MailPoller(self.ingestion, self.mailboxes, self.config, self.imap_password, self.clock)
