"""The mail parts: the notifier every feature mails through, and the transport it sends with."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.settings import Settings
from chalicelib.wiring.base import part
from chalicelib.wiring.shop import ShopParts

if TYPE_CHECKING:
    from chalicelib.mail.notifications import Notifier
    from chalicelib.mail.ports import Mailer


class MailParts(ShopParts):
    @part
    def notifier(self) -> Notifier:
        from chalicelib.mail.notifications import Notifier
        from chalicelib.mail.repository import DynamoSentMailLog

        return Notifier(
            self.given.mailer or default_mailer(self.settings, self.clock),
            self.given.sent_mail or DynamoSentMailLog(self.clock),
            self.config,
        )


def default_mailer(settings: Settings, clock: Clock = utc_now) -> Mailer:
    from chalicelib.mail.repository import OutboxMailer, SesMailer

    if settings.effective_mail_transport == "outbox":
        return OutboxMailer(Path(settings.data_dir) / "outbox", clock)
    return SesMailer(settings, clock)
