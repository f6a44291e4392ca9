"""CSV import and export jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# Where the bucket keeps the imports' and exports' files. Here, not beside the code that writes
# them: the event handlers' rules name them at import, and a function must not load the import
# runner to declare its routes (issue 19).
IMPORT_PREFIX = "imports/"
EXPORT_PREFIX = "exports/"
REPORT_PREFIX = "reports/"
PASSWORD_CHUNK_PREFIX = "import-passwords/"  # noqa: S105 - a key prefix, not a password
# The password workers' function (its own Lambda, reserved concurrency: infra/stack.py).
WORKER_FUNCTION = "import_password_chunk"

ImportKind = Literal["customers", "addresses"]
# previewed: the file was read, nothing written; `apply` runs it. completed_with_warnings: no row
# failed, but a column was ignored, rows were skipped or a value could not be read as written.
ImportStatus = Literal[
    "pending",
    "running",
    "previewed",
    "completed",
    "completed_with_warnings",
    "completed_with_errors",
    "failed",
]
ExportStatus = Literal["pending", "running", "completed", "failed"]
FINISHED: tuple[ImportStatus, ...] = (
    "completed",
    "completed_with_warnings",
    "completed_with_errors",
    "failed",
)

ImportEncoding = Literal["auto", "utf-8", "windows-1252", "iso-8859-1", "utf-16"]
DateFormat = Literal["auto", "iso", "dd/mm/yyyy", "mm/dd/yyyy"]
ImportMode = Literal["create", "update", "both"]
PasswordPolicy = Literal["keep", "invite", "none"]
# What a column can be mapped to besides a field: dropped on purpose (no warning).
IGNORE = "ignore"


@dataclass(frozen=True)
class ImportOptions:
    """How to read one file (API.md "Additions", POST /admin/imports). The defaults read a file the
    way the importer always has: every column matched by its header, `;`/`,`/tab detected.

    `mapping` is {header as the file writes it: field or IGNORE}; columns it doesn't name are
    matched by their header. `group_map` maps the source system's group ids ("Default group ID")
    to ours.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    mapping_name: str | None = None
    delimiter: str | None = None  # None: detected from the header row
    multi_value_separator: str = ","
    encoding: ImportEncoding = "auto"
    date_format: DateFormat = "auto"
    skip_lines: int = 0
    mode: ImportMode = "both"
    passwords: PasswordPolicy = "keep"
    create_missing_groups: bool = False
    group_map: dict[str, str] = field(default_factory=dict)
    preview: bool = False


@dataclass(frozen=True)
class ImportWarning:
    """Something the import did not take as written, by column, with how many rows it hit: an
    ignored column, skipped rows (brand/supplier addresses), an unknown group, a value replaced."""

    column: str
    reason: str
    count: int = 1


@dataclass(frozen=True)
class ImportColumn:
    """One of the file's columns as its header row writes it, and the field it was matched to
    (IGNORE: read by nobody). The back-office's "match columns" step starts from these."""

    column: str
    field: str


@dataclass(frozen=True)
class ImportJob:
    id: str
    kind: ImportKind
    filename: str
    created_at: datetime
    created_by: str | None = None
    status: ImportStatus = "pending"
    source_key: str | None = None
    # The S3 object version this job processed (ETag): the same upload delivered twice is done once.
    source_etag: str | None = None
    bytes_total: int = 0
    bytes_read: int = 0
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    # Rows fully applied (in file order); a continuation skips this many rows.
    checkpoint_rows: int = 0
    continuation: int = 0
    # The line of the last row applied (for the reason of a failure), the checkpoint when the
    # current run claimed the job, and how many runs in a row died without moving it.
    checkpoint_line: int = 0
    claimed_rows: int = 0
    stalls: int = 0
    lease_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report_key: str | None = None
    failure: str | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    # The layout recognised from the header row ("prestashop-1.6-import", "shopify", ...), if any.
    layout: str | None = None
    warnings: tuple[ImportWarning, ...] = ()
    # With date_format auto: the day/month order decided from the file's first unambiguous date
    # ("dd/mm/yyyy" or "mm/dd/yyyy"), so every later batch and continuation reads the same way.
    detected_date_format: str | None = None
    # When `POST /admin/imports/{id}/apply` turned a previewed job into a real run (None: never).
    applied_at: datetime | None = None
    # The header row as matched (set once the header is read): what each column goes to.
    columns: tuple[ImportColumn, ...] = ()
    # Plaintext passwords handed to the password workers (issue 17 §4), and in how many chunks. The
    # run that reads the file counts them with its checkpoint; the workers count what they hashed
    # elsewhere (`passwords_hashed`, read with the job), so they never race the run's saves.
    passwords_total: int = 0
    password_chunks: int = 0
    passwords_hashed: int = 0
    # Every row is applied but password chunks are still out: the status the job takes once the
    # last chunk is done. The job stays `running` meanwhile: it is not reported finished early.
    awaiting: ImportStatus | None = None
    # Customer writes DynamoDB refused for throughput and that were sent again after a backoff, and
    # the time waited for them (settings.import_write_units_per_second paces the rest).
    throttled_writes: int = 0
    throttle_wait_ms: int = 0
    version: int = 0

    @property
    def previewing(self) -> bool:
        """This job's run reads without writing: asked for a preview, not applied yet."""
        return self.options.preview and self.applied_at is None

    @property
    def progress(self) -> float:
        """Share of the file read (bytes), 1.0 once finished."""
        if self.status in FINISHED:
            return 1.0
        if not self.bytes_total:
            return 0.0
        return round(min(self.bytes_read / self.bytes_total, 0.99), 3)


@dataclass(frozen=True)
class ImportMapping:
    """A saved set of options (`/admin/import-mappings`), reused by `mapping_name`. `options`
    never asks for a preview: that is chosen per import."""

    name: str
    kind: ImportKind
    options: ImportOptions
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    version: int = 0


PREVIEW_ROWS = 20


@dataclass(frozen=True)
class PreviewRow:
    """One row of a previewed import as it would be stored: our field names → values, what the
    apply would do with it (create, update, unchanged, skip, error) and its errors."""

    line: int
    action: str
    values: dict[str, object]
    errors: tuple[RowError, ...] = ()


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str


@dataclass(frozen=True)
class ExportJob:
    id: str
    created_at: datetime
    filters: dict[str, str]
    status: ExportStatus = "pending"
    rows: int = 0
    key: str | None = None
    finished_at: datetime | None = None
    failure: str | None = None


# The state of an import's password chunks (issue 17 §4): a chunk's passwords are never stored,
# only its state, its size and when it was last handed out.
ChunkState = Literal["pending", "done", "failed"]


@dataclass(frozen=True)
class PasswordChunk:
    import_id: str
    # The uploaded file's version (a hash of its ETag): a new file on the same job is a new run,
    # whose chunks never collide with the settled chunks of the file it replaced.
    run: str
    chunk: int  # the file line of its first password: the same when a run redoes a batch
    state: ChunkState
    entries: int
    attempts: int
    dispatched_at: datetime


@dataclass(frozen=True)
class PasswordProgress:
    chunks_done: int = 0  # done or failed: no longer out
    passwords_hashed: int = 0
    passwords_failed: int = 0
