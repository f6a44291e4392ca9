"""Import and export job persistence shapes."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from chalicelib.models.base import TableRecord


class ImportJobRecord(TableRecord, discriminator="IMPORT_JOB"):
    """An import job with its counters and checkpoint.

    Key design:
      PK = IMPORT#<id>  SK = JOB                 → the job (GetItem)
      GSI1 IMPORTS / <created_at>#<id>            → #14 jobs newest first (ScanIndexForward=false)
    Jobs are created by staff (a few a day): the IMPORTS partition sees no meaningful write rate.
    Progress writes are version-checked, so two invocations can never both advance one job.
    """

    import_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    filename = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    source_key = UnicodeAttribute(null=True)
    source_etag = UnicodeAttribute(null=True)
    bytes_total = NumberAttribute(default=0)
    bytes_read = NumberAttribute(default=0)
    rows_read = NumberAttribute(default=0)
    created = NumberAttribute(default=0)
    updated = NumberAttribute(default=0)
    unchanged = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    checkpoint_rows = NumberAttribute(default=0)
    continuation = NumberAttribute(default=0)
    checkpoint_line = NumberAttribute(default=0)
    claimed_rows = NumberAttribute(default=0)
    stalls = NumberAttribute(default=0)
    lease_until = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    report_key = UnicodeAttribute(null=True)
    failure = UnicodeAttribute(null=True)
    # ImportOptions as given at creation (no personal data: column names, ids, flags).
    options = JSONAttribute(null=True)
    layout = UnicodeAttribute(null=True)
    # [{column, reason, count}]: bounded by columns and reasons, never row content.
    warnings = JSONAttribute(null=True)
    # With date_format auto: the file's day/month order, once decided (kept across continuations).
    detected_date_format = UnicodeAttribute(null=True)
    version = VersionAttribute()


class ImportErrorRecord(TableRecord, discriminator="IMPORT_ERROR"):
    """One rejected cell of an import: line, column, reason — never the row's content.

    Key design:
      PK = IMPORT#<id>  SK = ERROR#<line, 10 digits>#<column>  → #14 a job's errors in line order
      (Query begins_with ERROR#). Re-processing a row rewrites the same item: no duplicates.
    """

    line = NumberAttribute()
    column = UnicodeAttribute()
    reason = UnicodeAttribute()


class ExportJobRecord(TableRecord, discriminator="EXPORT_JOB"):
    """An asynchronous export.

    Key design:
      PK = EXPORT#<id>  SK = JOB  → GetItem (GET /admin/exports/{id})
    """

    export_id = UnicodeAttribute()
    status = UnicodeAttribute()
    filters = JSONAttribute()
    rows = NumberAttribute(default=0)
    key = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    failure = UnicodeAttribute(null=True)
