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
    applied_at = UnicodeAttribute(null=True)
    # [{column, field}]: the header row's texts and the fields they were matched to, no row content.
    columns = JSONAttribute(null=True)
    passwords_total = NumberAttribute(default=0)
    password_chunks = NumberAttribute(default=0)
    awaiting = UnicodeAttribute(null=True)
    # Writes sent again after DynamoDB throttled them, and the time waited; absent while none was.
    throttled_writes = NumberAttribute(null=True)
    throttle_wait_ms = NumberAttribute(null=True)
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


class ImportPreviewRecord(TableRecord, discriminator="IMPORT_PREVIEW"):
    """The first rows of a previewed import as they would be stored: personal data that is not a
    customer's yet (nobody was created), so it lives only as long as the preview.

    Key design:
      PK = IMPORT#<id>  SK = PREVIEW  → GetItem with the job (GET /admin/imports/{id})
      expires_at (TTL)                → 7 days after the preview; deleted at once when the job is
                                        applied and finishes, fails, or its preview expires
    One item per job, at most PREVIEW_ROWS rows: far below the 400 KB item limit.
    """

    rows = JSONAttribute()
    created_at = UnicodeAttribute()


class ImportMappingRecord(TableRecord, discriminator="IMPORT_MAPPING"):
    """A saved mapping: a name → the options of an import (columns → fields, delimiter, ...).

    Key design:
      PK = IMPORT_MAPPING#<casefolded name>  SK = MAPPING  → GetItem by name; created with a
                                                            condition (a duplicate name is a 409)
      GSI1 IMPORT_MAPPINGS / <casefolded name>             → the list, by name (1 Query a page)
    A shop keeps a handful of mappings, written by staff: one GSI1 partition is plenty.
    """

    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    options = JSONAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


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


class ImportPasswordChunkRecord(TableRecord, discriminator="IMPORT_PASSWORD_CHUNK"):
    """One chunk of an import's plaintext passwords handed to the password workers (issue 17 §4):
    its state, never its content (the passwords are only in the chunk's short-lived S3 object).

    Key design:
      PK = IMPORT#<id>  SK = PWCHUNK#<run>#<first line, 10 digits>  → the chunk (GetItem by the worker);
      the job's chunks still out for the watchdog (Query begins_with PWCHUNK#, one partition).
    Created once (condition: not there yet) by the run that reads the file; moved from `pending`
    to `done`/`failed` once, in the transaction that adds its counts to the job's progress item,
    so a chunk delivered twice is counted once.
    """

    state = UnicodeAttribute()  # pending | done | failed
    entries = NumberAttribute(default=0)
    attempts = NumberAttribute(default=1)
    dispatched_at = UnicodeAttribute()


class ImportPasswordProgressRecord(TableRecord, discriminator="IMPORT_PASSWORD_PROGRESS"):
    """What the password workers did for one import, added to atomically (UpdateItem ADD).

    Key design:
      PK = IMPORT#<id>  SK = PASSWORDS  → GetItem beside the job. Kept off the job item because the
    run that reads the file saves the whole job, version-checked: workers adding to it would make
    that run lose its claim. At most 16 workers write here, once per chunk (every ~30 s each).
    """

    chunks_done = NumberAttribute(default=0)
    passwords_hashed = NumberAttribute(default=0)
    passwords_failed = NumberAttribute(default=0)
