"""Double opt-in for guest cart reminders (issue 16 §2.2).

Anyone can type any address into a guest cart, so the cart's "remind me" box proves nothing. The
first cart asking for reminders mails its address a confirmation link (at most one such mail per
address per day, however many carts name it); the abandoned-cart sweep reminds a guest only once
that link was used (a GUEST_CONSENT item, source `double_opt_in`). The mail carries nothing the
caller typed: the shop's name and the link only. The link's GET page changes nothing (mail
scanners open links); its form posts back to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chalicelib.carts.confirm_tokens import ConfirmTokens
from chalicelib.carts.ports import GuestReminderOptIns
from chalicelib.core.clock import Clock, iso, utc_now
from chalicelib.core.errors import InvalidTokenError
from chalicelib.core.observability import logger
from chalicelib.core.text import email_hash
from chalicelib.mail.notifications import Notifier
from chalicelib.shop.service import ConfigService

CONFIRM_PATH = "/store/reminders/confirm"
CONFIRM_LINK_TTL = timedelta(days=2)
CHANNEL = "cart_reminders"
SOURCE = "double_opt_in"
_BAD_LINK = "The link is invalid or expired."


@dataclass(frozen=True, slots=True)
class ReminderOptInService:
    privacy: GuestReminderOptIns
    config: ConfigService
    notifier: Notifier
    tokens: ConfirmTokens
    clock: Clock = utc_now

    def is_confirmed(self, email: str) -> bool:
        return self.privacy.opt_in(email_hash(email), CHANNEL) is not None

    def request(self, email: str, language: str) -> bool:
        """Mail the confirmation link unless the address is confirmed or unsubscribed; at most
        once per address per day (the mail is claimed per address and day). Returns True when
        a mail went out. Never fails the caller: a send failure is logged, the next cart retries."""
        hashed = email_hash(email)
        if self.privacy.opt_in(hashed, CHANNEL) is not None or self.privacy.is_suppressed(hashed, CHANNEL):
            return False
        now = self.clock()
        token = self.tokens.issue(email, now + CONFIRM_LINK_TTL)
        base = self.config.settings().public_api_url.rstrip("/")
        try:
            sent = self.notifier.send(
                f"reminder-confirm:{hashed}:{now.date().isoformat()}",
                email,
                language,
                "reminder_confirm",
                {
                    "link": f"{base}{CONFIRM_PATH}?token={token}",
                    "valid_hours": int(CONFIRM_LINK_TTL.total_seconds() // 3600),
                },
            )
        except Exception:
            logger.warning("reminder confirmation not sent")
            return False
        if sent:
            logger.info("reminder confirmation sent")
        return sent

    def check(self, token: str | None) -> None:
        """Raises: InvalidTokenError. Changes nothing (the GET page)."""
        if self.tokens.read(token, self.clock()) is None:
            raise InvalidTokenError(_BAD_LINK)

    def confirm(self, token: str | None) -> bool:
        """Record the double opt-in. Returns False when the address was already confirmed (the
        first confirmation is kept: using a link again changes nothing). Raises: InvalidTokenError."""
        now = self.clock()
        hashed = self.tokens.read(token, now)
        if hashed is None:
            raise InvalidTokenError(_BAD_LINK)
        recorded = self.privacy.confirm_opt_in(hashed, CHANNEL, SOURCE, iso(now))
        logger.info("guest confirmed cart reminders", first_time=recorded)
        return recorded
