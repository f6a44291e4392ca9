"""What the import and export services need from storage: jobs, row errors, previews, saved mappings and
the password chunks' state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from chalicelib.imports.domain import (
    ChunkState,
    ExportJob,
    ImportJob,
    ImportMapping,
    PasswordChunk,
    PasswordProgress,
    PreviewRow,
    RowError,
)
from chalicelib.models.paging import Page


class ImportRepository(Protocol):
    def create(self, job: ImportJob) -> None: ...

    def get(self, import_id: str) -> ImportJob | None: ...

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        """Version-checked. Raises: ConflictError (another run advanced the job)."""

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]: ...

    def put_errors(self, import_id: str, errors: list[RowError]) -> None: ...

    def errors_page(self, import_id: str, limit: int, position: dict[str, Any] | None) -> Page[RowError]: ...

    def all_errors(self, import_id: str) -> Iterator[RowError]: ...

    def clear_errors(self, import_id: str) -> None: ...

    def put_preview(
        self, import_id: str, rows: list[PreviewRow], at: datetime, expires: datetime
    ) -> None: ...

    def get_preview(self, import_id: str) -> list[PreviewRow]: ...

    def delete_preview(self, import_id: str) -> None:
        """Idempotent: no preview is not an error."""

    def create_mapping(self, mapping: ImportMapping) -> ImportMapping:
        """Raises: AlreadyExistsError (the name, in any case, is taken)."""

    def get_mapping(self, name: str) -> ImportMapping | None: ...

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]: ...

    def save_mapping(self, before: ImportMapping, after: ImportMapping) -> ImportMapping:
        """Version-checked. Raises: ConflictError."""

    def delete_mapping(self, name: str) -> bool:
        """False when there was no such mapping."""

    def save_export(self, job: ExportJob) -> None: ...

    def get_export(self, export_id: str) -> ExportJob | None: ...


class PasswordChunkRepository(Protocol):
    def create(self, chunk: PasswordChunk) -> PasswordChunk:
        """Store a new pending chunk; returns the stored one (the first run's, if it exists)."""

    def get(self, import_id: str, run: str, chunk: int) -> PasswordChunk | None: ...

    def pending(self, import_id: str) -> list[PasswordChunk]:
        """The job's chunks still out (one partition Query, never a Scan)."""

    def redispatched(self, chunk: PasswordChunk, at: datetime) -> PasswordChunk:
        """One more attempt handed out. Raises: ConflictError (no longer pending/that attempt)."""

    def settle(self, chunk: PasswordChunk, state: ChunkState, hashed: int, failed: int) -> bool:
        """Move a pending chunk to done/failed and add its counts to the job's progress, at once.
        Returns False (and counts nothing) when it was settled before: a repeated delivery."""

    def progress(self, import_id: str) -> PasswordProgress: ...
