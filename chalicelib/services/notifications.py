"""Customer mail: rendered in the customer's language, sent at most once per event."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.customers import Customer
from chalicelib.domain.mail import OutboundMail
from chalicelib.observability import logger
from chalicelib.repositories.mail import Mailer, SentMailLog
from chalicelib.services.config import ConfigService
from chalicelib.services.mail_templates import render

DEFAULT_SENDER = "no-reply@clientele.invalid"


class Notifier:
    def __init__(self, mailer: Mailer, log: SentMailLog, config: ConfigService) -> None:
        self._mailer = mailer
        self._log = log
        self._config = config

    def send_to_customer(
        self, event_key: str, customer: Customer, template: str, context: dict[str, Any]
    ) -> bool:
        """Mail `template` to the customer once for `event_key`. Returns False if already sent.

        Raises: ServiceUnavailableError (the send failed; the claim is released for a retry).
        """
        if not self._log.claim(event_key):
            logger.info("mail already sent for this event", template=template)
            return False
        settings = self._config.settings()
        shop = {"shop_name": settings.shop_name, "shop_email": settings.shop_email or ""}
        rendered = render(
            template,
            customer.language,
            shop | {"first_name": customer.first_name, "last_name": customer.last_name} | context,
        )
        mail = OutboundMail(
            to=customer.email,
            sender=settings.shop_email or DEFAULT_SENDER,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            self._mailer.send(mail)
        except Exception:
            self._log.release(event_key)
            raise
        logger.info("mail sent", template=template, customer_id=customer.id)
        return True
