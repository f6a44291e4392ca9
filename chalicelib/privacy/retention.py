"""Retention: data without a purpose is removed after the shop's retention periods.

Run daily by the `retention-cleanup` schedule. TTL does part of it in AWS (abandoned carts carry
`expires_at`), but TTL deletion can lag by days and moto never runs it, so this cleanup does not
rely on it: every rule reads one keyed partition, oldest first, and stops at its page limit (the
next run goes on). Guest profiles get no TTL: a TTL delete would leave their e-mail item, group
memberships and counters behind, so old guests go through the erasure job instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.carts.ports import CartRepository
from chalicelib.core.clock import iso
from chalicelib.core.errors import DomainError
from chalicelib.core.observability import logger
from chalicelib.models import keys
from chalicelib.privacy.erasure import ErasureService
from chalicelib.privacy.ports import PrivacyRepository
from chalicelib.shop.service import ConfigService

_PAGE = 50
# Old guests who ordered stay in the guest partition: read at most this many pages of them a run.
_GUEST_PAGES = 20
SAFETY_MARGIN_MS = 15_000


class UnprocessedMailPurger(Protocol):
    """Delete kept, unprocessed inbound messages (and their raw copies) received before `before`;
    returns how many. Mail ingestion (`MailIngestion.purge_before`) provides it."""

    def purge_before(self, before: datetime, limit: int) -> int: ...


@dataclass
class RetentionResult:
    erasures_resumed: int = 0
    guests_erased: int = 0
    carts_deleted: int = 0
    unprocessed_deleted: int = 0
    stopped_early: bool = False


@dataclass(frozen=True, slots=True)
class RetentionService:
    privacy: PrivacyRepository
    carts: CartRepository
    erasure: ErasureService
    config: ConfigService
    unprocessed: UnprocessedMailPurger | None = None

    def run(self, now: datetime, remaining_ms: Callable[[], int] | None = None) -> RetentionResult:
        settings = self.config.settings()
        result = RetentionResult()

        def out_of_time() -> bool:
            if remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS:
                result.stopped_early = True
            return result.stopped_early

        result.erasures_resumed = self.erasure.resume_unfinished()
        guest_cutoff = now - timedelta(days=settings.retention.guest_customers_days)
        floor = keys.ulid_floor(int(guest_cutoff.timestamp() * 1000))
        after: str | None = None
        for _ in range(_GUEST_PAGES):
            page = self.privacy.old_guest_ids(floor, after, _PAGE)
            for customer_id, orders_count in page:
                if out_of_time():
                    return result
                after = customer_id
                if orders_count:
                    continue  # guests who ordered are kept (accounting); they can be erased on request
                try:
                    self.erasure.erase(customer_id, "retention")
                    result.guests_erased += 1
                except DomainError:
                    logger.warning("retention erasure not finished", customer_id=customer_id)
            if len(page) < _PAGE:
                break
        cart_cutoff = now - timedelta(days=settings.abandoned_cart.delete_after_days)
        for cart in self.privacy.abandoned_carts_before(iso(cart_cutoff), _PAGE):
            if out_of_time():
                return result
            if self.carts.delete_abandoned(cart):
                result.carts_deleted += 1
        if self.unprocessed is not None and not out_of_time():
            mail_cutoff = now - timedelta(days=settings.retention.unprocessed_mail_days)
            result.unprocessed_deleted = self.unprocessed.purge_before(mail_cutoff, _PAGE)
        logger.info(
            "retention cleanup",
            erasures_resumed=result.erasures_resumed,
            guests_erased=result.guests_erased,
            carts_deleted=result.carts_deleted,
            unprocessed_deleted=result.unprocessed_deleted,
        )
        return result
