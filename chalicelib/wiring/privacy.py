"""Privacy's parts over every feature: the erasure, the personal-data export and retention reach
the carts, the threads, the mailboxes and the imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.imports import ImportParts
from chalicelib.wiring.support import SupportParts

if TYPE_CHECKING:
    from chalicelib.privacy.erasure import ErasureService
    from chalicelib.privacy.personal_data import PersonalDataService
    from chalicelib.privacy.retention import RetentionService


class PrivacyParts(SupportParts, ImportParts):
    @part
    def erasure(self) -> ErasureService:
        from chalicelib.privacy.erasure import ErasureService

        return ErasureService(
            self.privacy_repository,
            self.customer_repository,
            self.files,
            self.config,
            self.notifier,
            self.clock,
            mailboxes=self.mailboxes,
            imports=self.import_repository,
        )

    @part
    def personal_data(self) -> PersonalDataService:
        from chalicelib.privacy.personal_data import PersonalDataService

        return PersonalDataService(
            self.customer_repository,
            self.cart_repository,
            self.orders,
            self.thread_repository,
            self.privacy_repository,
            self.clock,
            mailboxes=self.mailboxes,
            imports=self.import_repository,
        )

    @part
    def retention(self) -> RetentionService:
        from chalicelib.privacy.retention import RetentionService

        return RetentionService(
            self.privacy_repository, self.cart_repository, self.erasure, self.config, self.ingestion
        )
