"""Consent per mail channel (with history), one-click unsubscribe links and their headers."""

from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.core.clock import Clock, iso, utc_now
from chalicelib.core.errors import ConflictError, InvalidTokenError, NotFoundError
from chalicelib.core.observability import logger
from chalicelib.core.text import email_hash
from chalicelib.customers.domain import (
    Consent,
    ConsentChannel,
    ConsentSource,
    ConsentState,
    Customer,
    OptInLevel,
    flag_values,
    state_of,
    with_consent,
)
from chalicelib.customers.ports import CustomerRepository
from chalicelib.privacy.ports import SuppressionRepository
from chalicelib.privacy.unsubscribe_tokens import UnsubscribeTokens
from chalicelib.shop.service import ConfigService

UNSUBSCRIBE_PATH = "/store/unsubscribe"
_BAD_LINK = "This unsubscribe link is not valid."


@dataclass(frozen=True)
class ConsentOverview:
    current: tuple[Consent, ...]
    history: list[Consent]


@dataclass(frozen=True)
class UnsubscribeLink:
    url: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class ConsentService:
    customers: CustomerRepository
    privacy: SuppressionRepository
    config: ConfigService
    tokens: UnsubscribeTokens
    clock: Clock = utc_now

    def overview(self, customer_id: str) -> ConsentOverview:
        """Raises: NotFoundError."""
        customer = self.customers.get(customer_id)
        if customer is None:
            raise NotFoundError("Customer not found.")
        return ConsentOverview(self.current(customer), self.customers.consent_history(customer_id))

    @staticmethod
    def current(customer: Customer) -> tuple[Consent, ...]:
        """Every channel's state (channels never set are `not_subscribed`, without a record)."""
        return customer.consents

    def set(
        self,
        customer_id: str,
        channel: ConsentChannel,
        state: ConsentState,
        level: OptInLevel,
        source: ConsentSource,
    ) -> Customer:
        """Record a consent change (a no-op when the channel already has that state and level);
        newsletter / optin follow their channels. Raises: NotFoundError, ConflictError."""
        for attempt in range(3):
            customer = self.customers.get(customer_id)
            if customer is None:
                raise NotFoundError("Customer not found.")
            current = next((c for c in customer.consents if c.channel == channel), None)
            if current is not None and (current.state, current.level) == (state, level):
                return customer
            if current is None and state == "not_subscribed":
                return customer
            now = self.clock()
            consents = with_consent(customer.consents, Consent(channel, state, level, source, now))
            flags = flag_values(consents)
            after = replace(
                customer,
                consents=consents,
                updated_at=now,
                newsletter=flags["newsletter"],
                optin=flags["optin"],
            )
            try:
                self.customers.update(customer, after)
            except ConflictError:
                if attempt == 2:
                    raise
                continue
            logger.info(
                "consent recorded", customer_id=customer_id, channel=channel, state=state, source=source
            )
            return replace(after, version=customer.version + 1)
        raise ConflictError("Try again.")  # pragma: no cover - the loop returns or raises

    # -- unsubscribe links -----------------------------------------------------------------------
    def link(self, channel: ConsentChannel, *, customer_id: str | None, email: str | None) -> UnsubscribeLink:
        """The one-click link for a customer (or, for a guest, an e-mail) and its RFC 8058 headers."""
        if customer_id is not None:
            token = self.tokens.for_customer(customer_id, channel)
        else:
            assert email is not None
            token = self.tokens.for_email(email, channel)
        base = self.config.settings().public_api_url.rstrip("/")
        url = f"{base}{UNSUBSCRIBE_PATH}?token={token}"
        return UnsubscribeLink(
            url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        )

    def check(self, token: str | None) -> ConsentChannel:
        """The channel a link unsubscribes from (nothing changes). Raises: InvalidTokenError."""
        subject = self.tokens.read(token)
        if subject is None:
            raise InvalidTokenError(_BAD_LINK)
        return subject.channel

    def unsubscribe(self, token: str | None) -> ConsentChannel:
        """Record `unsubscribed` from `unsubscribe_link` (idempotent; an erased customer's link
        does nothing). Raises: InvalidTokenError."""
        subject = self.tokens.read(token)
        if subject is None:
            raise InvalidTokenError(_BAD_LINK)
        if subject.kind == "e":
            self.privacy.suppress(subject.subject, subject.channel, "unsubscribe_link", iso(self.clock()))
            logger.info("guest unsubscribed", channel=subject.channel)
            return subject.channel
        try:
            self.set(subject.subject, subject.channel, "unsubscribed", "single", "unsubscribe_link")
        except NotFoundError:
            logger.info("unsubscribe for a customer who no longer exists")
        return subject.channel

    # -- who may be mailed -----------------------------------------------------------------------
    def reminder_consent(self, customer: Customer | None, email: str, cart_box: bool) -> str | None:
        """ "marketing" when cart reminders may be sent (the channel, or e-mail marketing, or the
        cart's checkbox), "service" when only the one service reminder may be, None when the
        recipient unsubscribed from cart reminders — or, for a guest, never confirmed the address."""
        if customer is not None:
            reminders = state_of(customer.consents, "cart_reminders")
            if reminders == "unsubscribed":
                return None
            marketing = state_of(customer.consents, "email_marketing") == "subscribed"
            return "marketing" if reminders == "subscribed" or marketing or cart_box else "service"
        hashed = email_hash(email)
        if self.privacy.is_suppressed(hashed, "cart_reminders"):
            return None
        # A guest's address is only a claim until its owner used the double opt-in link: no
        # reminder of any kind goes to an unconfirmed address (issue 16 §2.2).
        if self.privacy.opt_in(hashed, "cart_reminders") is None:
            return None
        return "marketing" if cart_box else "service"
