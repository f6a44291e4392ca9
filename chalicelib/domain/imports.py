"""CSV import and export jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ImportKind = Literal["customers", "addresses"]
ImportStatus = Literal["pending", "running", "completed", "completed_with_errors", "failed"]
ExportStatus = Literal["pending", "running", "completed", "failed"]
FINISHED: tuple[ImportStatus, ...] = ("completed", "completed_with_errors", "failed")


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
    version: int = 0

    @property
    def progress(self) -> float:
        """Share of the file read (bytes), 1.0 once finished."""
        if self.status in FINISHED:
            return 1.0
        if not self.bytes_total:
            return 0.0
        return round(min(self.bytes_read / self.bytes_total, 0.99), 3)


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
