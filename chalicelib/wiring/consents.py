"""The consent parts of privacy: consents, unsubscribe links and the privacy store. The carts'
sweep and reminders need them; the erasure and exports (wiring/privacy.py) sit above every feature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.customers import CustomerParts

if TYPE_CHECKING:
    from chalicelib.privacy.consents import ConsentService
    from chalicelib.privacy.ports import PrivacyRepository


class ConsentParts(CustomerParts):
    @part
    def privacy_repository(self) -> PrivacyRepository:
        from chalicelib.privacy.repository import DynamoPrivacyRepository

        return self.given.privacy_store or DynamoPrivacyRepository()

    @part
    def consents(self) -> ConsentService:
        from chalicelib.privacy.consents import ConsentService
        from chalicelib.privacy.unsubscribe_tokens import UnsubscribeTokens

        return ConsentService(
            self.customer_repository,
            self.privacy_repository,
            self.config,
            UnsubscribeTokens(self.secret),
            self.clock,
        )
