"""In-memory import and password-chunk repositories, for unit tests (same contracts as
DynamoImportRepository and DynamoPasswordChunkRepository)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
)
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
from chalicelib.imports.ports import ImportRepository, PasswordChunkRepository
from chalicelib.models.paging import Page


def _stored(mapping: ImportMapping, version: int) -> ImportMapping:
    """What DynamoImportRepository stores of a mapping: never a preview or a mapping name (those are
    chosen per import), which a later read therefore does not get back."""
    options = replace(mapping.options, preview=False, mapping_name=None)
    return replace(mapping, options=options, version=version)


class MemoryImportRepository:
    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.errors: dict[str, dict[tuple[int, str], RowError]] = {}
        self.exports: dict[str, ExportJob] = {}
        self.previews: dict[str, tuple[list[PreviewRow], datetime]] = {}
        self.mappings: dict[str, ImportMapping] = {}

    def create(self, job: ImportJob) -> None:
        if job.id in self.jobs:
            raise AlreadyExistsError("Import already exists.")
        self.jobs[job.id] = replace(job, version=1)

    def get(self, import_id: str) -> ImportJob | None:
        return self.jobs.get(import_id)

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        current = self.jobs.get(before.id)
        if current is None or current.version != before.version:
            raise ConflictError("The import job was changed by another run.")
        saved = replace(after, version=before.version + 1)
        self.jobs[after.id] = saved
        return saved

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]:
        rows = sorted(self.jobs.values(), key=lambda j: (j.created_at, j.id), reverse=True)
        if position:
            rows = [j for j in rows if (j.created_at.isoformat(), j.id) < tuple(position["after"])]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(page, {"after": [page[-1].created_at.isoformat(), page[-1].id]} if more else None)

    def put_errors(self, import_id: str, errors: list[RowError]) -> None:
        book = self.errors.setdefault(import_id, {})
        for error in errors:
            book[(error.line, error.column)] = error

    def errors_page(self, import_id: str, limit: int, position: dict[str, Any] | None) -> Page[RowError]:
        rows = [self.errors.get(import_id, {})[k] for k in sorted(self.errors.get(import_id, {}))]
        start = int(position["offset"]) if position else 0
        page = rows[start : start + limit]
        return Page(page, {"offset": start + limit} if start + limit < len(rows) else None)

    def all_errors(self, import_id: str) -> Iterator[RowError]:
        book = self.errors.get(import_id, {})
        return iter([book[k] for k in sorted(book)])

    def clear_errors(self, import_id: str) -> None:
        self.errors.pop(import_id, None)

    def put_preview(self, import_id: str, rows: list[PreviewRow], at: datetime, expires: datetime) -> None:
        self.previews[import_id] = (list(rows), expires)

    def get_preview(self, import_id: str) -> list[PreviewRow]:
        return list(self.previews.get(import_id, ([], None))[0])

    def delete_preview(self, import_id: str) -> None:
        self.previews.pop(import_id, None)

    def create_mapping(self, mapping: ImportMapping) -> ImportMapping:
        if mapping.name.casefold() in self.mappings:
            raise AlreadyExistsError("A mapping with this name already exists.")
        self.mappings[mapping.name.casefold()] = _stored(mapping, 1)
        return replace(mapping, version=1)

    def get_mapping(self, name: str) -> ImportMapping | None:
        return self.mappings.get(name.casefold())

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]:
        names = sorted(n for n in self.mappings if not position or n > position["after"])
        page = [self.mappings[n] for n in names[:limit]]
        return Page(page, {"after": names[limit - 1]} if len(names) > limit else None)

    def save_mapping(self, before: ImportMapping, after: ImportMapping) -> ImportMapping:
        current = self.mappings.get(before.name.casefold())
        if current is None or current.version != before.version:
            raise ConflictError("The mapping was changed at the same time; try again.")
        self.mappings[after.name.casefold()] = _stored(after, before.version + 1)
        return replace(after, version=before.version + 1)

    def delete_mapping(self, name: str) -> bool:
        return self.mappings.pop(name.casefold(), None) is not None

    def save_export(self, job: ExportJob) -> None:
        self.exports[job.id] = job

    def get_export(self, export_id: str) -> ExportJob | None:
        return self.exports.get(export_id)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_imports(fake: MemoryImportRepository) -> ImportRepository:
    return fake


class MemoryPasswordChunkRepository:
    """The same contract in memory (unit tests, benchmarks); thread-safe like the table."""

    def __init__(self) -> None:
        self.chunks: dict[tuple[str, str, int], PasswordChunk] = {}
        self.progresses: dict[str, PasswordProgress] = {}
        self._lock = threading.Lock()

    def create(self, chunk: PasswordChunk) -> PasswordChunk:
        with self._lock:
            return self.chunks.setdefault((chunk.import_id, chunk.run, chunk.chunk), chunk)

    def get(self, import_id: str, run: str, chunk: int) -> PasswordChunk | None:
        return self.chunks.get((import_id, run, chunk))

    def pending(self, import_id: str) -> list[PasswordChunk]:
        return sorted(
            (c for (i, _, _), c in self.chunks.items() if i == import_id and c.state == "pending"),
            key=lambda c: (c.run, c.chunk),
        )

    def redispatched(self, chunk: PasswordChunk, at: datetime) -> PasswordChunk:
        with self._lock:
            current = self.chunks.get((chunk.import_id, chunk.run, chunk.chunk))
            if current is None or current.state != "pending" or current.attempts != chunk.attempts:
                raise ConflictError("The password chunk was handed out or settled by another run.")
            after = replace(current, attempts=current.attempts + 1, dispatched_at=at)
            self.chunks[(chunk.import_id, chunk.run, chunk.chunk)] = after
            return after

    def settle(self, chunk: PasswordChunk, state: ChunkState, hashed: int, failed: int) -> bool:
        with self._lock:
            current = self.chunks.get((chunk.import_id, chunk.run, chunk.chunk))
            if current is None or current.state != "pending":
                return False
            self.chunks[(chunk.import_id, chunk.run, chunk.chunk)] = replace(current, state=state)
            before = self.progresses.get(chunk.import_id, PasswordProgress())
            self.progresses[chunk.import_id] = PasswordProgress(
                before.chunks_done + 1, before.passwords_hashed + hashed, before.passwords_failed + failed
            )
            return True

    def progress(self, import_id: str) -> PasswordProgress:
        return self.progresses.get(import_id, PasswordProgress())


def _port_check_password_chunks(fake: MemoryPasswordChunkRepository) -> PasswordChunkRepository:
    return fake
