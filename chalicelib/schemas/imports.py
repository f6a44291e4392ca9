"""Import and export contracts (API.md "Imports", customers export)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.domain.imports import ExportStatus, ImportStatus
from chalicelib.schemas.common import Limit, RequestModel, ResponseModel
from chalicelib.schemas.customers import ListCustomersParams
from chalicelib.services.export_layouts import ExportFormat

ImportKindField = Literal["customers", "addresses"]


class CreateImportRequest(RequestModel):
    kind: ImportKindField
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class RowErrorResponse(ResponseModel):
    line: int
    column: str
    reason: str


class ImportWarningResponse(ResponseModel):
    column: str
    reason: str
    count: int


class ImportJobResponse(ResponseModel):
    id: str
    kind: ImportKindField
    filename: str
    status: ImportStatus
    rows_read: int
    created: int
    updated: int
    unchanged: int
    failed: int
    progress: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failure: str | None
    report_url: str | None
    errors: list[RowErrorResponse]
    errors_next_cursor: str | None
    # What was not taken as written (ignored columns, skipped rows, values replaced), by column.
    warnings: list[ImportWarningResponse] = Field(default_factory=list)
    layout: str | None = None


class ImportCreatedResponse(ResponseModel):
    import_id: str
    upload_url: str
    job: ImportJobResponse


class ImportListResponse(ResponseModel):
    items: list[ImportJobResponse]
    next_cursor: str | None


class ImportErrorsResponse(ResponseModel):
    items: list[RowErrorResponse]
    next_cursor: str | None


class ImportErrorsParams(RequestModel):
    limit: Limit = 100
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class InlineImportParams(RequestModel):
    kind: ImportKindField = "customers"


class ExportParams(ListCustomersParams):
    """The list's filters, plus `async=true` for large exports (written to S3)."""

    model_config = ConfigDict(populate_by_name=True)

    async_: Literal["0", "1", "true", "false"] | None = Field(default=None, alias="async")
    # The file's layout: ours, PrestaShop's import sample, PrestaShop 8's back-office export, or
    # Shopify's customer template (services/export_layouts.py).
    format: ExportFormat = "clientele"


class ExportStartedResponse(ResponseModel):
    export_id: str
    status: ExportStatus


class ExportJobResponse(ResponseModel):
    id: str
    status: ExportStatus
    rows: int
    created_at: datetime
    finished_at: datetime | None
    url: str | None
