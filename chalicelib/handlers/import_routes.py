"""CSV imports and exports: the routes. The EventBridge handlers S3 uploads trigger and the watchdog
are in imports.py (their Lambda functions import that module, not this one)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint, Response

from chalicelib.core.errors import InvalidInputError, NotFoundError, RuleViolationError
from chalicelib.core.schemas import Attributes, PageParams
from chalicelib.handlers.http import (
    ADMIN,
    AuthenticatedCall,
    Call,
    NoBody,
    NoQuery,
    Routes,
    RouteSpec,
    parse_json,
    raw_body,
)
from chalicelib.imports.domain import (
    ImportJob,
)
from chalicelib.imports.schemas import (
    MAPPING_NAME,
    CreateImportMappingRequest,
    CreateImportRequest,
    ExportJobResponse,
    ExportParams,
    ExportStartedResponse,
    ImportCreatedResponse,
    ImportErrorsResponse,
    ImportJobResponse,
    ImportListResponse,
    ImportMappingListResponse,
    ImportMappingResponse,
    ImportPageParams,
    InlineImportParams,
    UpdateImportMappingRequest,
)
from chalicelib.wiring import container

import_routes = Blueprint(__name__)
api = Routes(import_routes)

# A synchronous export answers within API Gateway's limits (29 s, 10 MB); beyond, use ?async=true.
_MAX_SYNC_EXPORT_ROWS = 20_000
_MAX_INLINE_ROWS = 5_000
_INLINE_TYPES = ("text/csv", "application/json", "text/plain")


def job_response(job: ImportJob, *, with_errors: bool = True) -> ImportJobResponse:
    """`with_errors` (a single job): its first errors and, when previewed, its preview rows; the
    rest validates from the job (with the hashing workers' progress)."""
    services = container().imports
    job = container().import_passwords.with_progress(job)
    errors, cursor = services.errors_page(job.id, 100, None) if with_errors else ([], None)
    preview = services.preview(job) if with_errors else None
    return ImportJobResponse.model_validate(
        Attributes(
            job,
            report_url=services.report_url(job),
            errors=errors,
            errors_next_cursor=cursor,
            preview_rows=preview,
        )
    )


@api.post(
    "/admin/imports",
    RouteSpec(
        "Start an import: returns a presigned URL to PUT the CSV to (the upload starts it). Options "
        "(mapping or mapping_name, delimiter, encoding, ...) are stored on the job; preview=true "
        "reads the file without writing anything (then POST .../apply)",
        ADMIN,
        body=CreateImportRequest,
        response=ImportCreatedResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: _created(container().imports.get(stored.id("import_id"))),
    ),
)
def create_import(call: AuthenticatedCall[CreateImportRequest, NoQuery]) -> ImportCreatedResponse:
    body: CreateImportRequest = call.body
    options = container().import_mappings.resolve(body.kind, body.given(), body.mapping_name, body.preview)
    job, url = container().imports.create_job(body.kind, body.filename, call.principal.subject_id, options)
    return ImportCreatedResponse(import_id=job.id, upload_url=url, job=job_response(job, with_errors=False))


def _created(job: ImportJob) -> ImportCreatedResponse:
    # A retry gets a freshly signed upload URL: the first one is not kept in the record.
    url = container().imports.upload_url(job)
    return ImportCreatedResponse(import_id=job.id, upload_url=url, job=job_response(job, with_errors=False))


@api.get(
    "/admin/imports",
    RouteSpec("Import jobs, newest first", ADMIN, query=PageParams, response=ImportListResponse),
)
def list_imports(call: Call[NoBody, PageParams]) -> ImportListResponse:
    jobs, cursor = container().imports.list_page(call.query.limit, call.query.cursor)
    return ImportListResponse(items=[job_response(j, with_errors=False) for j in jobs], next_cursor=cursor)


@api.get(
    "/admin/imports/{import_id}",
    RouteSpec("An import job with its first row errors", ADMIN, response=ImportJobResponse),
)
def get_import(call: Call, import_id: str) -> ImportJobResponse:
    return job_response(container().imports.get(import_id))


@api.post(
    "/admin/imports/{import_id}/apply",
    RouteSpec(
        "Run a previewed import with the options it was previewed with (in the import worker); "
        "409 unless previewed; applying twice returns the job as it is",
        ADMIN,
        optional_body=True,
        response=ImportJobResponse,
    ),
)
def apply_import(call: Call, import_id: str) -> ImportJobResponse:
    return job_response(container().imports.apply(import_id))


@api.get(
    "/admin/imports/{import_id}/errors",
    RouteSpec(
        "An import's row errors in line order", ADMIN, query=ImportPageParams, response=ImportErrorsResponse
    ),
)
def import_errors(call: Call[NoBody, ImportPageParams], import_id: str) -> ImportErrorsResponse:
    rows, cursor = container().imports.errors_page(import_id, call.query.limit, call.query.cursor)
    return ImportErrorsResponse.page(rows, cursor)


def _rows_to_csv(document: Any) -> bytes:
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidInputError(
            'Send {"rows": [{column: value, ...}, ...]}.', {"rows": "must be a list of objects"}
        )
    if len(rows) > _MAX_INLINE_ROWS:
        raise InvalidInputError(
            "Too many rows for an inline import.", {"rows": f"at most {_MAX_INLINE_ROWS}"}
        )
    columns = list(dict.fromkeys(str(k) for row in rows for k in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    return buffer.getvalue().encode()


@api.post(
    "/admin/customers/import",
    RouteSpec(
        'Import a small CSV (text/csv body) or JSON rows ({"rows": [...]}) through the same pipeline',
        ADMIN,
        query=InlineImportParams,
        response=ImportJobResponse,
        idempotent=True,
        replay=lambda call, stored: job_response(container().imports.get(stored.id())),
        accepts=_INLINE_TYPES,
    ),
)
def import_inline(call: AuthenticatedCall[NoBody, InlineImportParams]) -> ImportJobResponse:
    params: InlineImportParams = call.query
    options = container().import_mappings.resolve(params.kind, params.given(), params.mapping_name)
    body, media = raw_body(call.request, _INLINE_TYPES)
    if media == "application/json":
        body = _rows_to_csv(parse_json(body))
    job = container().imports.import_inline(params.kind, body, call.principal.subject_id, options)
    return job_response(job)


@api.get(
    "/admin/customers/export",
    RouteSpec(
        "Customers as CSV in the import format (same filters as the list; ?async=true for large ones)",
        ADMIN,
        query=ExportParams,
        content_type="text/csv",
    ),
)
def export_customers(call: Call[NoBody, ExportParams]) -> Response:
    params: ExportParams = call.query
    services = container().imports
    if params.async_ in ("1", "true"):
        job = services.start_export(params, params.format)
        body = ExportStartedResponse(export_id=job.id, status=job.status).model_dump(mode="json")
        return Response(body=body, status_code=202, headers={"Content-Type": "application/json"})
    # Counted first (keys only, stopping one past the limit): a refusal is instant, not the end
    # of building the export it refuses.
    if services.export_size(params, _MAX_SYNC_EXPORT_ROWS) > _MAX_SYNC_EXPORT_ROWS:
        raise RuleViolationError("Too many customers for a direct export: use ?async=true.")
    from chalicelib.imports.export_layouts import LAYOUTS  # with the export's code, not at cold start

    return Response(
        body="".join(services.export_lines(params, params.format)),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{LAYOUTS[params.format].filename}"',
        },
    )


@api.get(
    "/admin/exports/{export_id}",
    RouteSpec("An asynchronous export: status and download URL", ADMIN, response=ExportJobResponse),
)
def get_export(call: Call, export_id: str) -> ExportJobResponse:
    job, url = container().imports.export_job(export_id)
    return ExportJobResponse.model_validate(Attributes(job, url=url))


# -- saved mappings ------------------------------------------------------------------------------
def _name(raw: str) -> str:
    """The path's {name}, percent-decoded whether or not the gateway did it (names never hold
    "%": decoding twice changes nothing). A name no mapping could have is simply not found (and
    never reaches DynamoDB, whose key size limit would make it a 5xx)."""
    name = unquote(raw)
    if not MAPPING_NAME.fullmatch(name):
        raise NotFoundError("Import mapping not found.")
    return name


@api.get(
    "/admin/import-mappings",
    RouteSpec(
        "Saved import mappings, by name", ADMIN, query=ImportPageParams, response=ImportMappingListResponse
    ),
)
def list_import_mappings(call: Call[NoBody, ImportPageParams]) -> ImportMappingListResponse:
    mappings, cursor = container().import_mappings.list_page(call.query.limit, call.query.cursor)
    return ImportMappingListResponse.page(mappings, cursor)


@api.post(
    "/admin/import-mappings",
    RouteSpec(
        "Save import options under a name (reused by mapping_name); 409 if the name is taken",
        ADMIN,
        body=CreateImportMappingRequest,
        response=ImportMappingResponse,
        status=201,
    ),
)
def create_import_mapping(
    call: AuthenticatedCall[CreateImportMappingRequest, NoQuery],
) -> ImportMappingResponse:
    body: CreateImportMappingRequest = call.body
    mapping = container().import_mappings.create(
        body.name, body.kind, body.given(), call.principal.subject_id
    )
    return ImportMappingResponse.model_validate(mapping)


@api.get(
    "/admin/import-mappings/{name}",
    RouteSpec("A saved import mapping", ADMIN, response=ImportMappingResponse),
)
def get_import_mapping(call: Call, name: str) -> ImportMappingResponse:
    return ImportMappingResponse.model_validate(container().import_mappings.get(_name(name)))


@api.patch(
    "/admin/import-mappings/{name}",
    RouteSpec(
        "Change a saved mapping: the fields sent replace the saved ones (null: back to the default)",
        ADMIN,
        body=UpdateImportMappingRequest,
        response=ImportMappingResponse,
    ),
)
def update_import_mapping(
    call: Call[UpdateImportMappingRequest, NoQuery], name: str
) -> ImportMappingResponse:
    body: UpdateImportMappingRequest = call.body
    return ImportMappingResponse.model_validate(
        container().import_mappings.update(_name(name), body.changes())
    )


@api.delete(
    "/admin/import-mappings/{name}",
    RouteSpec("Delete a saved mapping (jobs created with it keep their options)", ADMIN, status=204),
)
def delete_import_mapping(call: Call, name: str) -> None:
    container().import_mappings.delete(_name(name))
