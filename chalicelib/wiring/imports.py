"""The imports' parts: CSV imports and exports, their mappings, the password workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.wiring.addresses import AddressParts
from chalicelib.wiring.base import part

if TYPE_CHECKING:
    from chalicelib.imports.mappings import ImportMappingService
    from chalicelib.imports.password_workers import ImportPasswordWorkers
    from chalicelib.imports.ports import ImportRepository
    from chalicelib.imports.service import ImportService


class ImportParts(AddressParts):
    @part
    def import_repository(self) -> ImportRepository:
        from chalicelib.imports.repository import DynamoImportRepository

        return self.given.imports or DynamoImportRepository()

    @part
    def import_passwords(self) -> ImportPasswordWorkers:
        from chalicelib.imports.password_chunks import DynamoPasswordChunkRepository
        from chalicelib.imports.password_workers import ImportPasswordWorkers

        return ImportPasswordWorkers(
            self.given.password_chunks or DynamoPasswordChunkRepository(),
            self.files,
            self.customer_repository,
            self.import_repository,
            self.clock,
        )

    @part
    def imports(self) -> ImportService:
        from chalicelib.core.pacing import WritePace
        from chalicelib.imports.service import ImportService

        units_per_second = self.settings.import_write_units_per_second

        return ImportService(
            self.import_repository,
            self.files,
            self.customer_repository,
            self.customers,
            self.addresses,
            self.config,
            self.cursors,
            self.clock,
            cookie_key=self.prestashop_cookie_key.get,
            invitations=self._send_import_invitations,
            passwords=self.import_passwords,
            write_pace=lambda: WritePace(units_per_second),
        )

    def _send_import_invitations(self, customer_ids: list[str], remaining_ms: Callable[[], int]) -> list[str]:
        # The storefront accounts (and the token signer under them) are built only when an import
        # does mail invitations, not for every run.
        return self.accounts.send_import_invitations(customer_ids, remaining_ms)

    @part
    def import_mappings(self) -> ImportMappingService:
        from chalicelib.imports.mappings import ImportMappingService

        return ImportMappingService(self.import_repository, self.config, self.cursors, self.clock)
