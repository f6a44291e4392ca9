"""Customer mail: rendered in the customer's language, sent at most once per event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import DomainError, ServiceUnavailableError
from chalicelib.core.observability import logger
from chalicelib.mail.domain import OutboundMail, Recipient
from chalicelib.mail.ports import Mailer, SentMailLog
from chalicelib.mail.rendering import render
from chalicelib.shop.service import ConfigService

DEFAULT_SENDER = "no-reply@clientele.invalid"


@dataclass(frozen=True, slots=True)
class Notifier:
    mailer: Mailer
    log: SentMailLog
    config: ConfigService

    def send_to_customer(
        self, event_key: str, customer: Recipient, template: str, context: dict[str, Any]
    ) -> bool:
        """Mail `template` to the customer once for `event_key`. Returns False if already sent.

        Raises: ServiceUnavailableError (the send failed; the claim is released for a retry).
        """
        names = {"first_name": customer.first_name, "last_name": customer.last_name}
        return self.send(event_key, customer.email, customer.language, template, names | context)

    def send(
        self,
        event_key: str,
        to: str,
        language: str,
        template: str,
        context: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        sender: str | None = None,
        automatic: bool = True,
    ) -> bool:
        """Mail `template` to any address (a guest's cart e-mail) once for `event_key`.

        `headers` go on the message as given (Message-ID, In-Reply-To, Reply-To ...); `automatic`
        mails say so (Auto-Submitted), an employee's reply doesn't."""
        if not self.log.claim(event_key):
            logger.info("mail already sent for this event", template=template)
            return False
        settings = self.config.settings()
        shop = {"shop_name": settings.shop_name, "shop_email": settings.shop_email or ""}
        names = {"first_name": "", "last_name": ""}
        rendered = render(template, language, shop | names | context)
        extra = {"Auto-Submitted": "auto-generated"} if automatic else {}
        mail = OutboundMail(
            to=to,
            sender=sender or settings.shop_email or DEFAULT_SENDER,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers=extra | (headers or {}),
        )
        try:
            self.mailer.send(mail)
        except DomainError:
            self.log.release(event_key)
            raise
        except Exception as error:
            # E.g. a header the mail library refuses: never a 500, and the claim goes back.
            self.log.release(event_key)
            logger.error("mail not built", template=template, error=type(error).__name__)
            raise ServiceUnavailableError("Mail could not be sent; try again.") from None
        logger.info("mail sent", template=template)
        return True
