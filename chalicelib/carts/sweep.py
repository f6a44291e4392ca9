"""The abandoned-cart sweep (DESIGN.md "Abandoned-cart sweep").

Each run: first any reminder a crashed run still owes (the sparse CART_REMINDERS_DUE partition,
normally empty), then each open-carts shard from its oldest cart up to "now - idle_minutes".
A cart is marked abandoned with a version-checked write (a cart touched since it was read is
skipped); when it will be reminded, the same write stores its voucher and flags the reminder as
owed. The mail is claimed before it is sent (SENT_MAIL item keyed by cart and abandonment), so a
redelivered or overlapping run never mails twice; the flag is cleared afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice

from chalicelib.carts.domain import Cart, Voucher, money_text
from chalicelib.carts.ports import CartRepository, ReminderConsents
from chalicelib.carts.service import CartService
from chalicelib.carts.tokens import CartTokens
from chalicelib.core.clock import iso
from chalicelib.core.errors import DomainError
from chalicelib.core.observability import logger
from chalicelib.core.text import email_hash
from chalicelib.customers.domain import Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.mail.notifications import Notifier
from chalicelib.models import keys
from chalicelib.shop.schemas import AbandonedCartSettings
from chalicelib.shop.service import ConfigService

# Stop taking new work when less than this is left before the Lambda deadline.
SAFETY_MARGIN_MS = 15_000
_PAGE = 50
# Vouchers stay in the table this long after they stop being valid (then TTL removes them).
_VOUCHER_KEPT = timedelta(days=30)


@dataclass
class SweepResult:
    carts_read: int = 0
    abandoned: int = 0
    reminded: int = 0
    skipped_changed: int = 0
    stopped_early: bool = False


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    first_name: str
    customer_id: str | None
    kind: str  # "marketing" or "service"


def _pages(carts: Iterator[Cart], size: int) -> Iterator[list[Cart]]:
    while page := list(islice(carts, size)):
        yield page


@dataclass(frozen=True, slots=True)
class AbandonedCartSweep:
    carts: CartRepository
    customers: CustomerRepository
    cart_service: CartService
    config: ConfigService
    notifier: Notifier
    tokens: CartTokens
    consents: ReminderConsents

    def run(self, now: datetime, remaining_ms: Callable[[], int] | None = None) -> SweepResult:
        """One sweep with `now` as the schedule's event time. `remaining_ms` is the Lambda's
        time left; the sweep returns early (the next run goes on) when it runs short."""
        settings = self.config.settings().abandoned_cart
        result = SweepResult()

        def out_of_time() -> bool:
            if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
                result.stopped_early = True
            return result.stopped_early

        for page in _pages(self.carts.reminders_due(_PAGE), _PAGE):
            customers = self._customers_of(page)
            for cart in page:
                if out_of_time():
                    return result
                result.carts_read += 1
                if cart.status == "abandoned" and self._remind(
                    cart, customers.get(cart.customer_id or ""), settings, now
                ):
                    result.reminded += 1
        idle_before = now - timedelta(minutes=settings.idle_minutes)
        for shard in range(keys.OPEN_CART_SHARDS):
            for page in _pages(self.carts.idle_open(shard, idle_before, _PAGE), _PAGE):
                customers = self._customers_of(page) if settings.remind else {}
                for cart in page:
                    if out_of_time():
                        return result
                    result.carts_read += 1
                    self._abandon(cart, customers.get(cart.customer_id or ""), settings, now, result)
        logger.info(
            "abandoned-cart sweep",
            carts_read=result.carts_read,
            abandoned=result.abandoned,
            reminded=result.reminded,
            skipped_changed=result.skipped_changed,
        )
        return result

    def _customers_of(self, page: list[Cart]) -> dict[str, Customer]:
        ids = sorted({cart.customer_id for cart in page if cart.customer_id})
        return self.customers.get_many(ids) if ids else {}

    def _recipient(self, cart: Cart, customer: Customer | None) -> Recipient | None:
        """Who may get this cart's reminder, or None: an e-mail, and consent — the customer's
        `cart_reminders` or `email_marketing` channel or the cart's checkbox ("marketing"), else
        at most one service reminder per recipient when the settings allow it ("service"). An
        unsubscribe from cart reminders (customer channel or guest suppression) always wins."""
        if cart.customer_id is None:
            if not cart.email:
                return None
            kind = self.consents.reminder_consent(None, cart.email, cart.cart_reminders)
            recipient = Recipient(cart.email, cart.language, "", None, kind or "")
        else:
            if customer is None or customer.status != "active":
                return None
            kind = self.consents.reminder_consent(customer, customer.email, cart.cart_reminders)
            recipient = Recipient(
                customer.email, customer.language, customer.first_name, customer.id, kind or ""
            )
        if kind is None:
            return None
        if kind == "service" and not self.config.settings().abandoned_cart.service_reminder:
            return None
        return recipient

    def _abandon(
        self,
        cart: Cart,
        customer: Customer | None,
        settings: AbandonedCartSettings,
        now: datetime,
        result: SweepResult,
    ) -> None:
        # One reminder per cart, ever (DESIGN.md): a cart that was reminded, came back and went idle
        # again is marked abandoned without a second mail or a second voucher.
        already = cart.reminded_at is not None or cart.voucher_code is not None
        recipient = self._recipient(cart, customer) if settings.remind and not already else None
        remind = recipient is not None
        voucher = None
        # Vouchers are marketing: a service reminder comes without one.
        if recipient is not None and recipient.kind == "marketing" and settings.voucher_percent > 0:
            voucher = Voucher(
                code=self.tokens.voucher_code(cart.id, iso(now)),
                cart_id=cart.id,
                customer_id=cart.customer_id,
                percent=settings.voucher_percent,
                valid_until=now + timedelta(days=settings.voucher_days),
                created_at=now,
            )
        after = replace(
            cart,
            status="abandoned",
            abandoned_at=now,
            reminder_due=remind,
            voucher_code=voucher.code if voucher else cart.voucher_code,
            expires_at=now + timedelta(days=settings.delete_after_days),
        )
        voucher_expires = now + timedelta(days=settings.voucher_days) + _VOUCHER_KEPT
        if not self.carts.abandon(cart, after, voucher, voucher_expires):
            result.skipped_changed += 1
            return
        result.abandoned += 1
        if remind and self._remind(replace(after, version=cart.version + 1), customer, settings, now):
            result.reminded += 1

    def _remind(
        self, cart: Cart, customer: Customer | None, settings: AbandonedCartSettings, now: datetime
    ) -> bool:
        """Send the owed reminder (at most once per cart) and clear the flag."""
        recipient = self._recipient(cart, customer)
        sent = False
        if recipient is not None and cart.abandoned_at is not None:
            # A service reminder is claimed per recipient: one, ever, whatever the cart.
            event = f"cart-reminder:{cart.id}"
            if recipient.kind == "service":
                event = f"service-reminder:{recipient.customer_id or email_hash(recipient.address)}"
            unsubscribe = self.consents.link(
                "cart_reminders", customer_id=recipient.customer_id, email=recipient.address
            )
            context = self._context(cart, customer, recipient.first_name, settings)
            if recipient.kind == "service":
                context["voucher_code"] = ""
            try:
                sent = self.notifier.send(
                    event,
                    recipient.address,
                    recipient.language,
                    "cart_reminder",
                    context | {"unsubscribe_link": unsubscribe.url},
                    headers=unsubscribe.headers,
                )
            except DomainError:
                # The claim was released: the flag stays set and the next run tries again.
                logger.warning("cart reminder not sent", cart_id=cart.id)
                return False
        self.carts.save(
            cart, replace(cart, reminder_due=False, reminded_at=now if sent else cart.reminded_at)
        )
        return sent

    def _context(
        self, cart: Cart, customer: Customer | None, first_name: str, settings: AbandonedCartSettings
    ) -> dict[str, object]:
        shop = self.config.settings()
        priced = self.cart_service.price_with_group(cart, customer.default_group_id if customer else None)
        link = f"{shop.storefront_url.rstrip('/')}/cart/{cart.id}"
        if cart.customer_id is None:
            link += f"?cart_token={self.tokens.issue(cart.id)}"
        valid_until = ""
        if cart.voucher_code and cart.abandoned_at is not None:
            valid_until = (cart.abandoned_at + timedelta(days=settings.voucher_days)).date().isoformat()
        return {
            "first_name": first_name,
            # A guest cart's product names are whatever an anonymous caller wrote: they never go
            # into a mail (a phishing text as a "product name" did, issue 16 §2.2). Its lines
            # show quantity and unit price; a customer's cart keeps the names.
            "items": [
                {
                    "name": line.product_name if cart.customer_id is not None else "",
                    "quantity": line.quantity,
                    "unit_price": money_text(line.unit_price),
                }
                for line in cart.lines
            ],
            "total": money_text(priced.totals.total),
            "currency": priced.currency,
            "link": link,
            "voucher_code": cart.voucher_code or "",
            "voucher_percent": format(settings.voucher_percent.normalize(), "f"),
            "voucher_valid_until": valid_until,
        }
