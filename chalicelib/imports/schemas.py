"""Import and export contracts (API.md "Imports", customers export)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from chalicelib.core.schemas import Limit, ListResponse, PageParams, RequestModel, ResponseModel
from chalicelib.customers.schemas import ListCustomersParams
from chalicelib.imports.domain import (
    DateFormat,
    ExportStatus,
    ImportEncoding,
    ImportMode,
    ImportStatus,
    PasswordPolicy,
)
from chalicelib.imports.export_layouts import ExportFormat

ImportKindField = Literal["customers", "addresses"]


# "tab" is accepted for the tab character: it is what a query string or a form can carry.
Delimiter = Literal[";", ",", "\t", "|", "tab"]
MultiValueSeparator = Literal[",", "|"]
MAPPING_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
MappingName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=MAPPING_NAME.pattern)]
MAX_MAPPED_COLUMNS = 300
MAX_GROUP_MAP = 500


def _check_pairs(value: dict[str, str] | None, *, limit: int, key_max: int, value_max: int) -> None:
    """Keys and values of a map are the caller's text: the reason never quotes them."""
    if value is None:
        return
    if len(value) > limit:
        raise ValueError(f"at most {limit} entries")
    for position, (key, target) in enumerate(value.items(), start=1):
        if not key.strip() or len(key) > key_max:
            raise ValueError(f"entry {position}: the column or id must be 1 to {key_max} characters")
        if not target.strip() or len(target) > value_max:
            raise ValueError(f"entry {position}: the target must be 1 to {value_max} characters")


class ImportOptionsFields(RequestModel):
    """The options of an import (API.md "Additions"); every one optional. A field left out takes
    the saved mapping's value (with `mapping_name`), else the default."""

    mapping: dict[str, str] | None = Field(
        default=None, description='{column as the file writes it: field or "ignore"}'
    )
    delimiter: Delimiter | None = None
    multi_value_separator: MultiValueSeparator | None = None
    encoding: ImportEncoding | None = None
    date_format: DateFormat | None = None
    skip_lines: Annotated[int, Field(ge=0, le=1000)] | None = None
    mode: ImportMode | None = None
    passwords: PasswordPolicy | None = None
    create_missing_groups: bool | None = None
    group_map: dict[str, str] | None = Field(
        default=None, description="{the source system's group id: our group id}"
    )

    @field_validator("mapping", "group_map", mode="before")
    @classmethod
    def _string_pairs(cls, value: Any) -> Any:
        # Checked before the type: pydantic would name a bad entry by its key (the caller's text).
        if value is None:
            return value
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError("every column and target must be a string")
        return value

    @field_validator("mapping")
    @classmethod
    def _mapping_shape(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        _check_pairs(value, limit=MAX_MAPPED_COLUMNS, key_max=255, value_max=64)
        return {k.strip(): v.strip() for k, v in value.items()} if value is not None else None

    @field_validator("group_map")
    @classmethod
    def _group_map_shape(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        _check_pairs(value, limit=MAX_GROUP_MAP, key_max=64, value_max=64)
        return {k.strip(): v.strip() for k, v in value.items()} if value is not None else None

    def given(self) -> dict[str, object]:
        """The option fields the caller set (null counts as not set)."""
        names = ImportOptionsFields.model_fields
        return {k: v for k, v in self.model_dump(exclude_none=True).items() if k in names}


class CreateImportRequest(ImportOptionsFields):
    kind: ImportKindField
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    mapping_name: MappingName | None = None
    preview: bool = False


class ImportOptionsResponse(ResponseModel):
    """The options a job runs with (saved mapping and explicit fields merged)."""

    mapping: dict[str, str]
    mapping_name: str | None
    delimiter: str | None
    multi_value_separator: str
    encoding: str
    date_format: str
    skip_lines: int
    mode: str
    passwords: str
    create_missing_groups: bool
    group_map: dict[str, str]
    preview: bool


class PreviewRowErrorResponse(ResponseModel):
    column: str
    reason: str


class PreviewRowResponse(ResponseModel):
    line: int
    # create | update | unchanged | skip | error: what applying the job would do with the row.
    action: str
    values: dict[str, Any]
    errors: list[PreviewRowErrorResponse]


class RowErrorResponse(ResponseModel):
    line: int
    column: str
    reason: str


class ImportWarningResponse(ResponseModel):
    column: str
    reason: str
    count: int


class ImportColumnResponse(ResponseModel):
    column: str
    field: str


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
    # Plaintext passwords handed to the password workers, and how many they have handled (hashed,
    # or superseded by a password set since); the job stays `running` until they are all handled.
    passwords_total: int = 0
    passwords_hashed: int = 0
    errors_next_cursor: str | None
    # What was not taken as written (ignored columns, skipped rows, values replaced), by column.
    warnings: list[ImportWarningResponse] = Field(default_factory=list)
    layout: str | None = None
    options: ImportOptionsResponse | None = None
    # A previewed job's first rows as they would be stored (GET /admin/imports/{id} only).
    preview_rows: list[PreviewRowResponse] | None = None
    applied_at: datetime | None = None
    # The header row as matched: each column with the field it goes to ("ignore": read by nobody).
    columns: list[ImportColumnResponse] = Field(default_factory=list)


class ImportCreatedResponse(ResponseModel):
    import_id: str
    upload_url: str
    job: ImportJobResponse


class ImportListResponse(ListResponse[ImportJobResponse]):
    pass


class ImportErrorsResponse(ListResponse[RowErrorResponse]):
    pass


class ImportPageParams(PageParams):
    """?limit=&cursor= of a job's errors and of the saved mappings: up to 100 a page by default."""

    limit: Limit = 100


class InlineImportParams(RequestModel):
    """The options that fit a query string (a mapping or group map comes with `mapping_name`); an
    inline import is applied at once, so there is no preview."""

    kind: ImportKindField = "customers"
    mapping_name: MappingName | None = None
    delimiter: Delimiter | None = None
    multi_value_separator: MultiValueSeparator | None = None
    encoding: ImportEncoding | None = None
    date_format: DateFormat | None = None
    skip_lines: Annotated[int, Field(ge=0, le=1000)] | None = None
    mode: ImportMode | None = None
    passwords: PasswordPolicy | None = None
    create_missing_groups: Literal["0", "1", "true", "false"] | None = None

    def given(self) -> dict[str, object]:
        given: dict[str, object] = self.model_dump(exclude_none=True, exclude={"kind", "mapping_name"})
        if "create_missing_groups" in given:
            given["create_missing_groups"] = given["create_missing_groups"] in ("1", "true")
        return given


# -- saved mappings ------------------------------------------------------------------------------
class CreateImportMappingRequest(ImportOptionsFields):
    name: MappingName
    kind: ImportKindField = "customers"


class UpdateImportMappingRequest(ImportOptionsFields):
    """The fields sent replace the saved ones (a `mapping` is replaced whole); null resets one to
    its default."""

    def changes(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class ImportMappingResponse(ResponseModel):
    name: str
    kind: ImportKindField
    options: ImportOptionsResponse
    created_at: datetime
    updated_at: datetime


class ImportMappingListResponse(ListResponse[ImportMappingResponse]):
    pass


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
