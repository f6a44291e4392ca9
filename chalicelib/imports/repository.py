"""Import/export jobs and row errors in DynamoDB; files in S3."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, fields, replace
from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.errors import AlreadyExistsError, ConflictError
from chalicelib.imports.domain import (
    ExportJob,
    ImportColumn,
    ImportJob,
    ImportKind,
    ImportMapping,
    ImportOptions,
    ImportWarning,
    PreviewRow,
    RowError,
)
from chalicelib.models import keys
from chalicelib.models.base import TableRecord
from chalicelib.models.errors import (
    conditional,
    dynamo_errors,
    get_item,
    save_at_version,
)
from chalicelib.models.imports import (
    ExportJobRecord,
    ImportErrorRecord,
    ImportJobRecord,
    ImportMappingRecord,
    ImportPreviewRecord,
)
from chalicelib.models.mapping import RecordMapping, from_document, to_document
from chalicelib.models.paging import Page, query_page

# The fields a dataclass and its record share are copied by name (chalicelib/models/mapping.py);
# the exceptions: the id stored as import_id, keys, the options (only what differs from the
# defaults is stored), the warnings and columns (nested documents), the kind (anything unknown
# reads as customers), the throttling counters (stored only once there is some).
# `passwords_hashed` is not on the job's item: the workers count it apart.
_JOB = RecordMapping(
    ImportJob,
    ImportJobRecord,
    renames={"id": "import_id"},
    exclude=("kind", "options", "warnings", "columns", "throttled_writes", "throttle_wait_ms"),
)
_MAPPING = RecordMapping(ImportMapping, ImportMappingRecord, exclude=("kind", "options"))


def _kind(stored: str) -> ImportKind:
    return "addresses" if stored == "addresses" else "customers"


def _job_record(job: ImportJob) -> ImportJobRecord:
    return _JOB.to_record(
        job,
        keys.import_pk(job.id),
        keys.JOB,
        kind=job.kind,
        options=options_document(job.options),
        warnings=[to_document(warning) for warning in job.warnings] or None,
        columns=[to_document(column) for column in job.columns] or None,
        throttled_writes=job.throttled_writes or None,
        throttle_wait_ms=job.throttle_wait_ms or None,
        gsi1pk=keys.IMPORTS,
        gsi1sk=keys.sort_key(iso(job.created_at), job.id),
    )


def _job(record: ImportJobRecord) -> ImportJob:
    return _JOB.from_record(
        record,
        kind=_kind(record.kind),
        options=options_from_document(record.options),
        warnings=tuple(from_document(ImportWarning, w) for w in record.warnings or []),
        columns=tuple(from_document(ImportColumn, c) for c in record.columns or []),
        throttled_writes=int(record.throttled_writes or 0),
        throttle_wait_ms=int(record.throttle_wait_ms or 0),
    )


def options_document(options: ImportOptions) -> dict[str, Any] | None:
    """The options that differ from the defaults (a job with defaults stores nothing)."""
    defaults = asdict(ImportOptions())
    document = {k: v for k, v in asdict(options).items() if v != defaults[k]}
    return document or None


def options_from_document(document: dict[str, Any] | None) -> ImportOptions:
    known = {f.name for f in fields(ImportOptions)}
    return ImportOptions(**{k: v for k, v in (document or {}).items() if k in known})


def _preview_document(row: PreviewRow) -> dict[str, Any]:
    return {
        "line": row.line,
        "action": row.action,
        "values": row.values,
        "errors": [{"column": e.column, "reason": e.reason} for e in row.errors],
    }


def _preview_row(document: dict[str, Any]) -> PreviewRow:
    line = int(document.get("line", 0))
    return PreviewRow(
        line=line,
        action=str(document.get("action", "")),
        values=dict(document.get("values") or {}),
        errors=tuple(
            RowError(line, str(e.get("column", "")), str(e.get("reason", "")))
            for e in document.get("errors") or []
        ),
    )


def _mapping_record(mapping: ImportMapping) -> ImportMappingRecord:
    return _MAPPING.to_record(
        mapping,
        keys.import_mapping_pk(mapping.name),
        keys.MAPPING,
        kind=mapping.kind,
        options=options_document(replace(mapping.options, preview=False, mapping_name=None)),
        gsi1pk=keys.IMPORT_MAPPINGS,
        gsi1sk=mapping.name.casefold(),
    )


def _mapping(record: ImportMappingRecord) -> ImportMapping:
    return _MAPPING.from_record(
        record, kind=_kind(record.kind), options=options_from_document(record.options)
    )


class DynamoImportRepository:
    def create(self, job: ImportJob) -> None:
        """Raises: AlreadyExistsError (a job with this id exists: a redelivered upload event created it)."""
        with dynamo_errors(), conditional() as outcome:
            _job_record(job).save(condition=ImportJobRecord.pk.does_not_exist())
        if not outcome.passed:
            raise AlreadyExistsError("An import job with this id already exists.")

    def get(self, import_id: str) -> ImportJob | None:
        record = get_item(ImportJobRecord, keys.import_pk(import_id), keys.JOB)
        return _job(record) if record is not None else None

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        """Version-checked: a job advanced by someone else raises ConflictError."""
        if not save_at_version(_job_record(after), before.version, ImportJobRecord.pk.exists()):
            raise ConflictError("The import job was changed by another run.")
        return replace(after, version=before.version + 1)

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]:
        return query_page(
            ImportJobRecord.gsi1.query,
            keys.IMPORTS,
            ImportJobRecord,
            _job,
            limit,
            position,
            newest_first=True,
        )

    def put_errors(self, import_id: str, errors: list[RowError]) -> None:
        with dynamo_errors(), TableRecord.batch_write() as batch:
            for error in errors:
                batch.save(
                    ImportErrorRecord(
                        keys.import_pk(import_id),
                        keys.import_error_sk(error.line, error.column),
                        line=error.line,
                        column=error.column,
                        reason=error.reason,
                    )
                )

    def errors_page(self, import_id: str, limit: int, position: dict[str, Any] | None) -> Page[RowError]:
        return query_page(
            ImportErrorRecord.query,
            keys.import_pk(import_id),
            ImportErrorRecord,
            lambda r: RowError(int(r.line), r.column, r.reason),
            limit,
            position,
            sort_condition=ImportErrorRecord.sk.startswith(keys.import_error_prefix()),
        )

    def all_errors(self, import_id: str) -> Iterator[RowError]:
        position: dict[str, Any] | None = None
        while True:
            page = self.errors_page(import_id, 500, position)
            yield from page.items
            position = page.next_position
            if position is None:
                return

    def clear_errors(self, import_id: str) -> None:
        with dynamo_errors(), TableRecord.batch_write() as batch:
            for record in ImportErrorRecord.query(
                keys.import_pk(import_id), ImportErrorRecord.sk.startswith(keys.import_error_prefix())
            ):
                batch.delete(record)

    # -- previews ------------------------------------------------------------------------------
    def put_preview(self, import_id: str, rows: list[PreviewRow], at: datetime, expires: datetime) -> None:
        record = ImportPreviewRecord(
            keys.import_pk(import_id),
            keys.PREVIEW,
            rows=[_preview_document(row) for row in rows],
            created_at=iso(at),
            expires_at=expires,
        )
        with dynamo_errors():
            record.save()

    def get_preview(self, import_id: str) -> list[PreviewRow]:
        record = get_item(ImportPreviewRecord, keys.import_pk(import_id), keys.PREVIEW)
        if record is None:
            return []
        return [_preview_row(document) for document in record.rows or []]

    def delete_preview(self, import_id: str) -> None:
        with dynamo_errors():
            ImportPreviewRecord(keys.import_pk(import_id), keys.PREVIEW).delete(add_version_condition=False)

    # -- saved mappings ----------------------------------------------------------------------
    def create_mapping(self, mapping: ImportMapping) -> ImportMapping:
        """Raises: AlreadyExistsError (a mapping of that name, in any case, exists)."""
        with dynamo_errors(), conditional() as outcome:
            _mapping_record(mapping).save(condition=ImportMappingRecord.pk.does_not_exist())
        if not outcome.passed:
            raise AlreadyExistsError("A mapping with this name already exists.")
        return replace(mapping, version=1)

    def get_mapping(self, name: str) -> ImportMapping | None:
        record = get_item(ImportMappingRecord, keys.import_mapping_pk(name), keys.MAPPING)
        return _mapping(record) if record is not None else None

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]:
        return query_page(
            ImportMappingRecord.gsi1.query,
            keys.IMPORT_MAPPINGS,
            ImportMappingRecord,
            _mapping,
            limit,
            position,
        )

    def save_mapping(self, before: ImportMapping, after: ImportMapping) -> ImportMapping:
        """Version-checked. Raises: ConflictError (changed or deleted meanwhile)."""
        if not save_at_version(_mapping_record(after), before.version, ImportMappingRecord.pk.exists()):
            raise ConflictError("The mapping was changed at the same time; try again.")
        return replace(after, version=before.version + 1)

    def delete_mapping(self, name: str) -> bool:
        with dynamo_errors(), conditional() as outcome:
            ImportMappingRecord(keys.import_mapping_pk(name), keys.MAPPING).delete(
                condition=ImportMappingRecord.pk.exists(), add_version_condition=False
            )
        return outcome.passed

    # -- exports -------------------------------------------------------------------------------
    def save_export(self, job: ExportJob) -> None:
        record = ExportJobRecord(
            keys.export_pk(job.id),
            keys.JOB,
            export_id=job.id,
            status=job.status,
            filters=job.filters,
            rows=job.rows,
            key=job.key,
            created_at=iso(job.created_at),
            finished_at=iso(job.finished_at) if job.finished_at else None,
            failure=job.failure,
        )
        with dynamo_errors():
            record.save()

    def get_export(self, export_id: str) -> ExportJob | None:
        record = get_item(ExportJobRecord, keys.export_pk(export_id), keys.JOB)
        if record is None:
            return None
        return ExportJob(
            id=record.export_id,
            created_at=parse_iso(record.created_at),
            filters=dict(record.filters or {}),
            status=record.status,  # type: ignore[arg-type]
            rows=int(record.rows or 0),
            key=record.key,
            finished_at=parse_iso(record.finished_at) if record.finished_at else None,
            failure=record.failure,
        )
