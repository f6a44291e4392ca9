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
    ImportMapping,
    ImportOptions,
    ImportWarning,
    PreviewRow,
    RowError,
)
from chalicelib.models import keys
from chalicelib.models.base import TableRecord
from chalicelib.models.errors import conditional, dynamo_errors, from_low_level, save_at_version, to_low_level
from chalicelib.models.imports import (
    ExportJobRecord,
    ImportErrorRecord,
    ImportJobRecord,
    ImportMappingRecord,
    ImportPreviewRecord,
)
from chalicelib.models.paging import Page


def _job_record(job: ImportJob) -> ImportJobRecord:
    record = ImportJobRecord(
        keys.import_pk(job.id),
        keys.JOB,
        import_id=job.id,
        kind=job.kind,
        filename=job.filename,
        created_by=job.created_by,
        status=job.status,
        source_key=job.source_key,
        source_etag=job.source_etag,
        bytes_total=job.bytes_total,
        bytes_read=job.bytes_read,
        rows_read=job.rows_read,
        created=job.created,
        updated=job.updated,
        unchanged=job.unchanged,
        failed=job.failed,
        checkpoint_rows=job.checkpoint_rows,
        continuation=job.continuation,
        checkpoint_line=job.checkpoint_line,
        claimed_rows=job.claimed_rows,
        stalls=job.stalls,
        lease_until=iso(job.lease_until) if job.lease_until else None,
        created_at=iso(job.created_at),
        started_at=iso(job.started_at) if job.started_at else None,
        finished_at=iso(job.finished_at) if job.finished_at else None,
        report_key=job.report_key,
        failure=job.failure,
        options=options_document(job.options),
        layout=job.layout,
        warnings=[asdict(warning) for warning in job.warnings] or None,
        detected_date_format=job.detected_date_format,
        applied_at=iso(job.applied_at) if job.applied_at else None,
        columns=[asdict(column) for column in job.columns] or None,
        passwords_total=job.passwords_total,
        password_chunks=job.password_chunks,
        awaiting=job.awaiting,
        gsi1pk=keys.IMPORTS,
        gsi1sk=keys.sort_key(iso(job.created_at), job.id),
    )
    if job.version:
        record.version = job.version
    return record


def _job(record: ImportJobRecord) -> ImportJob:
    def when(value: str | None) -> Any:
        return parse_iso(value) if value else None

    return ImportJob(
        id=record.import_id,
        kind="addresses" if record.kind == "addresses" else "customers",
        filename=record.filename,
        created_by=record.created_by,
        status=record.status,  # type: ignore[arg-type]
        source_key=record.source_key,
        source_etag=record.source_etag,
        bytes_total=int(record.bytes_total or 0),
        bytes_read=int(record.bytes_read or 0),
        rows_read=int(record.rows_read or 0),
        created=int(record.created or 0),
        updated=int(record.updated or 0),
        unchanged=int(record.unchanged or 0),
        failed=int(record.failed or 0),
        checkpoint_rows=int(record.checkpoint_rows or 0),
        continuation=int(record.continuation or 0),
        checkpoint_line=int(record.checkpoint_line or 0),
        claimed_rows=int(record.claimed_rows or 0),
        stalls=int(record.stalls or 0),
        lease_until=when(record.lease_until),
        created_at=parse_iso(record.created_at),
        started_at=when(record.started_at),
        finished_at=when(record.finished_at),
        report_key=record.report_key,
        failure=record.failure,
        options=options_from_document(record.options),
        layout=record.layout,
        warnings=tuple(
            ImportWarning(str(w["column"]), str(w["reason"]), int(w.get("count", 1)))
            for w in record.warnings or []
        ),
        detected_date_format=record.detected_date_format,
        applied_at=when(record.applied_at),
        columns=tuple(ImportColumn(str(c["column"]), str(c["field"])) for c in record.columns or []),
        passwords_total=int(record.passwords_total or 0),
        password_chunks=int(record.password_chunks or 0),
        awaiting=record.awaiting,  # type: ignore[arg-type]
        version=int(record.version or 0),
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
    record = ImportMappingRecord(
        keys.import_mapping_pk(mapping.name),
        keys.MAPPING,
        name=mapping.name,
        kind=mapping.kind,
        options=options_document(replace(mapping.options, preview=False, mapping_name=None)),
        created_by=mapping.created_by,
        created_at=iso(mapping.created_at),
        updated_at=iso(mapping.updated_at),
        gsi1pk=keys.IMPORT_MAPPINGS,
        gsi1sk=mapping.name.casefold(),
    )
    if mapping.version:
        record.version = mapping.version
    return record


def _mapping(record: ImportMappingRecord) -> ImportMapping:
    return ImportMapping(
        name=record.name,
        kind="addresses" if record.kind == "addresses" else "customers",
        options=options_from_document(record.options),
        created_at=parse_iso(record.created_at),
        updated_at=parse_iso(record.updated_at),
        created_by=record.created_by,
        version=int(record.version or 0),
    )


class DynamoImportRepository:
    def create(self, job: ImportJob) -> None:
        with dynamo_errors():
            _job_record(job).save(condition=ImportJobRecord.pk.does_not_exist())

    def get(self, import_id: str) -> ImportJob | None:
        with dynamo_errors():
            try:
                return _job(ImportJobRecord.get(keys.import_pk(import_id), keys.JOB))
            except ImportJobRecord.DoesNotExist:
                return None

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        """Version-checked: a job advanced by someone else raises ConflictError."""
        if not save_at_version(_job_record(after), before.version, ImportJobRecord.pk.exists()):
            raise ConflictError("The import job was changed by another run.")
        return replace(after, version=before.version + 1)

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]:
        with dynamo_errors():
            iterator = ImportJobRecord.gsi1.query(
                keys.IMPORTS,
                scan_index_forward=False,
                limit=limit,
                page_size=limit,
                last_evaluated_key=to_low_level(position) if position else None,
            )
            rows = [_job(r) for r in iterator if isinstance(r, ImportJobRecord)]
            return Page(rows, from_low_level(iterator.last_evaluated_key))

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
        with dynamo_errors():
            iterator = ImportErrorRecord.query(
                keys.import_pk(import_id),
                ImportErrorRecord.sk.startswith(keys.import_error_prefix()),
                limit=limit,
                page_size=limit,
                last_evaluated_key=to_low_level(position) if position else None,
            )
            rows = [RowError(int(r.line), r.column, r.reason) for r in iterator]
            return Page(rows, from_low_level(iterator.last_evaluated_key))

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
        with dynamo_errors():
            try:
                record = ImportPreviewRecord.get(keys.import_pk(import_id), keys.PREVIEW)
            except ImportPreviewRecord.DoesNotExist:
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
        with dynamo_errors():
            try:
                return _mapping(ImportMappingRecord.get(keys.import_mapping_pk(name), keys.MAPPING))
            except ImportMappingRecord.DoesNotExist:
                return None

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]:
        with dynamo_errors():
            iterator = ImportMappingRecord.gsi1.query(
                keys.IMPORT_MAPPINGS,
                limit=limit,
                page_size=limit,
                last_evaluated_key=to_low_level(position) if position else None,
            )
            rows = [_mapping(r) for r in iterator if isinstance(r, ImportMappingRecord)]
            return Page(rows, from_low_level(iterator.last_evaluated_key))

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
        with dynamo_errors():
            try:
                record = ExportJobRecord.get(keys.export_pk(export_id), keys.JOB)
            except ExportJobRecord.DoesNotExist:
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
