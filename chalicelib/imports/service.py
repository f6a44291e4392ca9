"""CSV imports (S3 upload or inline) and exports of customers and addresses.

Imports stream the file, validate every row with the API's schemas and the shop's rules, upsert
by e-mail (or by our customer id in the ID column), write in transactional batches, record each
bad row's line, column and reason (never its content), checkpoint after every batch, and carry on
in a fresh invocation when the Lambda's time runs short. A redelivered event or a re-uploaded
file changes nothing twice: the job remembers the object's ETag, and upserts by e-mail can't
duplicate a customer.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import timedelta
from typing import IO, Any, cast

from pydantic import ValidationError

from chalicelib.addresses.domain import ADDRESS_FIELDS
from chalicelib.addresses.schemas import AddressRequest, UpdateAddressRequest
from chalicelib.addresses.service import AddressService
from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    DomainError,
    InvalidInputError,
    MerchantRefTakenError,
    NotFoundError,
    ServiceUnavailableError,
)
from chalicelib.core.files import FileStore
from chalicelib.core.observability import logger, metrics
from chalicelib.core.pacing import PaceReport, WritePace
from chalicelib.core.passwords import verify_password
from chalicelib.core.text import fold, normalise_email
from chalicelib.core.validation import fields_of
from chalicelib.customers.domain import IMPORT_ROWS_KEPT, Customer, ImportRow
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.schemas import CreateCustomerRequest, ListCustomersParams, UpdateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.imports import address_rows as import_addresses
from chalicelib.imports import csv_format, export_layouts
from chalicelib.imports import layouts as import_layouts
from chalicelib.imports import preview as import_preview
from chalicelib.imports import values as import_values
from chalicelib.imports.batch_customers import BatchCustomers
from chalicelib.imports.domain import (
    EXPORT_PREFIX,
    FINISHED,
    IGNORE,
    IMPORT_PREFIX,
    REPORT_PREFIX,
    ExportJob,
    ImportColumn,
    ImportJob,
    ImportKind,
    ImportMode,
    ImportOptions,
    ImportStatus,
    ImportWarning,
    PreviewRow,
    RowError,
)
from chalicelib.imports.export_layouts import ExportFormat
from chalicelib.imports.password_workers import ImportPasswordWorkers, PasswordEntry, pending_marker, run_tag
from chalicelib.imports.passwords import EMPTY as EMPTY_PASSWORD
from chalicelib.imports.passwords import MD5_NEEDS_COOKIE_KEY, PasswordCell, RowPasswords
from chalicelib.imports.ports import ImportRepository
from chalicelib.shop.password_policy import check_password
from chalicelib.shop.service import ConfigService

CONTINUE_MARKER = "_continue/"
# `passwords: invite`: one marker per batch, listing the customers it created, whose own event
# mails their invitations (import_passwords.py explains why not inline).
INVITE_MARKER = "_invite/"
EXPORT_REQUEST = "request.json"
_LEASE = timedelta(minutes=15)
# Runs in a row that died without applying a row: after that many, the job is failed, not resumed
# again (a file that kills every run would otherwise be re-read every 15 minutes forever).
MAX_STALLED_RUNS = 2
# Unreadable records in a row after which the rest of the file is taken for unreadable (binary
# data, another format): the job fails there, with that line, instead of listing every line.
MAX_UNREADABLE_IN_A_ROW = 50
_URL_LIFETIME = timedelta(hours=1)
# A preview reads this many data rows (its warnings and counts are for them) and keeps the first
# PREVIEW_ROWS; the rows are personal data of people who are not customers yet, kept PREVIEW_TTL.
PREVIEW_READ_ROWS = 200
PREVIEW_TTL = timedelta(days=7)
SKIPPED_EXISTS = "already exists, skipped (mode create)"
SKIPPED_UNKNOWN = "not found, skipped (mode update)"
SAME_CUSTOMER_AGAIN = "the same customer as an earlier row of the file: this row's values replaced that row's"
# Our ids are 26-character ULIDs; other values in the ID column are the merchant's own references.
_OUR_ID = re.compile(r"^[0-9A-Za-z]{26}$")
_LANGUAGES = {
    "en": "en",
    "english": "en",
    "anglais": "en",
    "ingles": "en",
    "fr": "fr",
    "francais": "fr",
    "french": "fr",
    "frances": "fr",
    "es": "es",
    "espanol": "es",
    "spanish": "es",
    "espagnol": "es",
}


@dataclass
class _Batch:
    """The outcome of one batch of rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_lines: set[int] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    # (column, reason) → rows: what was not taken as written, without failing the row.
    warnings: dict[tuple[str, str], int] = field(default_factory=dict)
    # A dry run (preview) only: line → (what applying would do, the row as it would be stored).
    stored: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    passwords: int = 0  # plaintext passwords handed to the password workers
    password_chunks: int = 0
    throttling: PaceReport = field(default_factory=PaceReport)  # absorbed by its writes

    def fail(self, line: int, column: str, reason: str) -> None:
        self.failed_lines.add(line)
        self.errors.append(RowError(line, column[:64] or "row", reason[:200]))

    def warn(self, column: str, reason: str, count: int = 1) -> None:
        """A value, column or row not taken as written; the row (if any) still counts as applied."""
        key = (column[:64] or "row", reason[:200])
        self.warnings[key] = self.warnings.get(key, 0) + count


# A job lists at most this many distinct (column, reason) warnings; the rest are folded into one.
MAX_WARNING_KINDS = 100
IGNORED_COLUMN = "unknown column, ignored"
NO_HEADER_COLUMN = "value in a column without a header, ignored"


def _unnamed_positions(names: list[str], cells: int) -> Iterator[int]:
    """The positions of a row's cells that no header names."""
    yield from (position for position, name in enumerate(names[:cells]) if not name)
    yield from range(len(names), cells)


def merge_warnings(
    existing: tuple[ImportWarning, ...], new: dict[tuple[str, str], int]
) -> tuple[ImportWarning, ...]:
    """Adds a batch's warning counts to the job's, in first-seen order, bounded."""
    counts = {(w.column, w.reason): w.count for w in existing}
    for key, count in new.items():
        if key not in counts and len(counts) >= MAX_WARNING_KINDS:
            key = ("row", "other warnings")
        counts[key] = counts.get(key, 0) + count
    return tuple(ImportWarning(column, reason, count) for (column, reason), count in counts.items())


def finished_status(job: ImportJob) -> ImportStatus:
    """Never plain `completed` when a row failed or anything was dropped, skipped or changed."""
    if job.failed:
        return "completed_with_errors"
    if job.warnings:
        return "completed_with_warnings"
    return "completed"


@dataclass
class _Run:
    """One run's own state: its job as last saved and its file's columns. Kept per run, never on
    the service, which is shared: the local stack serves requests on threads, and two imports
    must not label errors with each other's columns."""

    job: ImportJob
    columns: dict[int, str]  # position in the row → field
    headers: dict[str, str]  # field → the header as the file writes it ("Adresse e-mail")
    names: list[str]  # position → the header as the file writes it
    # position → header of the columns read past (unknown): each non-empty cell is a dropped value.
    ignored: dict[int, str] = field(default_factory=dict)
    # The run's value readers (date order, groups); built on its first batch.
    values: import_values.ValueReader | None = None
    # The run's write pace (None: unpaced): one per run, so it learns the table's current room.
    pace: WritePace | None = None


# Mails the set-password invitations of these customers; returns the ids not done in time.
Invitations = Callable[[list[str], Callable[[], int]], list[str]]


class RowRejectedError(Exception):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("row rejected")
        self.fields = fields


class RowSkippedError(Exception):
    """The row is left out on purpose (the import's `mode`): a warning, not an error."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__("row skipped")
        self.column = column
        self.reason = reason


def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return (cleaned or "upload.csv")[:100]


@dataclass(frozen=True, slots=True)
class ImportService:
    jobs: ImportRepository
    files: FileStore
    customers: CustomerRepository
    customer_service: CustomerService
    addresses: AddressService
    config: ConfigService
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id
    _: KW_ONLY
    rows_per_batch: int = 600
    continue_below_ms: int = 60_000
    cookie_key: Callable[[], str | None] = lambda: None  # only "is it set?": the value stays with the sign-in
    invitations: Invitations | None = None
    # Plaintext passwords go to parallel workers (issue 17 §4); without them (some tests,
    # tools) they are hashed in the run, row by row, as before.
    passwords: ImportPasswordWorkers | None = None
    # The customer writes' pace, one per run (settings.import_write_units_per_second); without
    # it (tests over fakes, tools) they are sent as fast as they go.
    write_pace: Callable[[], WritePace] | None = None

    # -- jobs ----------------------------------------------------------------------------------
    def create_job(
        self,
        kind: ImportKind,
        filename: str,
        employee_id: str | None,
        options: ImportOptions | None = None,
    ) -> tuple[ImportJob, str]:
        """A pending job and the presigned URL to PUT the file to (the upload starts the import).
        The options (already resolved and checked: ImportMappingService.resolve) are stored on
        the job, so every run and continuation reads the file the same way."""
        import_id = self.ids()
        name = safe_filename(filename)
        key = f"{IMPORT_PREFIX}{import_id}/{name}"
        job = ImportJob(
            id=import_id,
            kind=kind,
            filename=name,
            created_at=self.clock(),
            created_by=employee_id,
            source_key=key,
            options=options or ImportOptions(),
        )
        self.jobs.create(job)
        return replace(job, version=1), self.files.upload_url(key, _URL_LIFETIME)

    def upload_url(self, job: ImportJob) -> str:
        """A fresh presigned URL to PUT the job's file to. Raises: NotFoundError (not an upload)."""
        if job.source_key is None or job.status != "pending":
            raise NotFoundError("This import no longer takes an upload.")
        return self.files.upload_url(job.source_key, _URL_LIFETIME)

    def get(self, import_id: str) -> ImportJob:
        """Raises: NotFoundError."""
        job = self.jobs.get(import_id)
        if job is None:
            raise NotFoundError("Import not found.")
        return job

    def resume_stalled(self) -> list[str]:
        """Hand over running jobs whose run died (lease expired) to a fresh invocation.

        Reads the newest jobs only (IMPORTS index, newest first): no Scan."""
        now = self.clock()
        resumed = []
        for job in self.jobs.list_page(50, None).items:
            if job.status == "previewed" and job.finished_at and job.finished_at + PREVIEW_TTL < now:
                # Never applied: the file and its preview (personal data) go, the job says why.
                with contextlib.suppress(ConflictError):
                    self._fail(job, "The preview expired before it was applied; upload the file again.")
                continue
            if job.status == "running" and job.awaiting is not None and self.passwords is not None:
                # Rows all applied, password chunks still out: hand out again the ones lost.
                self.passwords.retry_stalled(job)
                continue
            if job.status == "running" and job.lease_until is not None and job.lease_until < now:
                try:
                    if job.source_key is None:
                        # An inline import's rows were in a request that is gone: nothing to resume.
                        self._fail(job, "The import stopped before it finished; send the rows again.")
                        continue
                    stalls = job.stalls + 1 if job.checkpoint_rows == job.claimed_rows else 0
                    if stalls >= MAX_STALLED_RUNS:
                        self._fail(job, _stalled_reason(job))
                        continue
                    self._hand_over(replace(job, stalls=stalls))
                except ConflictError:
                    continue
                resumed.append(job.id)
        return resumed

    def list_page(self, limit: int, cursor: str | None) -> tuple[list[ImportJob], str | None]:
        position = self.cursors.decode(cursor, "imports")
        page = self.jobs.list_page(limit, position)
        return page.items, self.cursors.encode(page.next_position, "imports")

    def errors_page(
        self, import_id: str, limit: int, cursor: str | None
    ) -> tuple[list[RowError], str | None]:
        self.get(import_id)
        scope = f"import-errors:{import_id}"
        page = self.jobs.errors_page(import_id, limit, self.cursors.decode(cursor, scope))
        return page.items, self.cursors.encode(page.next_position, scope)

    def report_url(self, job: ImportJob) -> str | None:
        if job.report_key is None:
            return None
        return self.files.download_url(job.report_key, _URL_LIFETIME, f"import-{job.id}-errors.csv")

    # -- event entry points --------------------------------------------------------------------
    def handle_upload(
        self, key: str, etag: str, size: int, remaining_ms: Callable[[], int]
    ) -> ImportJob | None:
        """An object arrived under imports/: a merchant's file, or a continuation marker."""
        match = re.fullmatch(r"imports/([A-Za-z0-9_-]{1,64})/(.+)", key)
        if match is None:
            logger.warning("object outside an import folder ignored")
            return None
        import_id, rest = match.groups()
        if rest.startswith(INVITE_MARKER):
            self._send_invitations(key, remaining_ms)
            return self.jobs.get(import_id)
        if rest.startswith(CONTINUE_MARKER):
            sequence = rest.removeprefix(CONTINUE_MARKER)
            return self._continue(import_id, int(sequence) if sequence.isdigit() else -1, remaining_ms)
        job = self.jobs.get(import_id)
        if job is None:
            # A file dropped straight into the bucket (aws s3 cp): it gets a job of its own.
            job = ImportJob(
                id=import_id,
                kind="addresses" if "address" in rest.lower() else "customers",
                filename=safe_filename(rest),
                created_at=self.clock(),
                source_key=key,
            )
            with contextlib.suppress(AlreadyExistsError):  # another delivery created it first
                self.jobs.create(job)
            job = self.get(import_id)
        return self._start(job, key, etag, size, remaining_ms)

    def _start(
        self, job: ImportJob, key: str, etag: str, size: int, remaining_ms: Callable[[], int]
    ) -> ImportJob:
        now = self.clock()
        same_object = job.source_etag == etag and job.source_key == key
        # A previewed job waits for `apply` (which runs it through a continuation marker): the
        # upload's event delivered again must not preview it again. A job whose rows are all
        # applied and only waits for its password chunks is done too.
        settled = job.status in FINISHED or job.status == "previewed" or job.awaiting is not None
        if same_object and (settled or (job.lease_until and job.lease_until > now)):
            logger.info("import event already handled", import_id=job.id)
            return job
        fresh = not same_object
        if fresh and job.source_etag is not None:
            self.jobs.clear_errors(job.id)  # the same key got new content: a new run
        claimed = replace(
            job,
            status="running",
            source_key=key,
            source_etag=etag,
            bytes_total=size,
            started_at=job.started_at if not fresh else now,
            finished_at=None,
            lease_until=now + _LEASE,
            failure=None,
            report_key=None if fresh else job.report_key,
            claimed_rows=job.checkpoint_rows,
            # Another file: not finished when the replaced file's chunks are (its own count on).
            awaiting=None,
        )
        if fresh:
            claimed = replace(
                claimed,
                rows_read=0,
                created=0,
                updated=0,
                unchanged=0,
                failed=0,
                checkpoint_rows=0,
                checkpoint_line=0,
                claimed_rows=0,
                stalls=0,
                detected_date_format=None,  # new content: its dates are read afresh
            )
        try:
            claimed = self.jobs.save(job, claimed)
        except ConflictError:
            logger.info("import claimed by another run", import_id=job.id)
            return self.get(job.id)
        return self._run(claimed, remaining_ms)

    def _continue(self, import_id: str, sequence: int, remaining_ms: Callable[[], int]) -> ImportJob | None:
        job = self.jobs.get(import_id)
        if job is None or job.status != "running" or job.continuation != sequence:
            return job  # a stale or repeated marker
        try:
            claimed = self.jobs.save(
                job, replace(job, lease_until=self.clock() + _LEASE, claimed_rows=job.checkpoint_rows)
            )
        except ConflictError:
            return self.get(import_id)
        return self._run(claimed, remaining_ms)

    def _run(self, job: ImportJob, remaining_ms: Callable[[], int]) -> ImportJob:
        if job.source_key is None:
            return self._fail(job, "The import stopped before it finished; send the rows again.")
        try:
            stream, _size, _etag = self.files.open(job.source_key)
        except NotFoundError:
            return self._fail(job, "The uploaded file is no longer in the bucket.")
        return self._process(job, stream, remaining_ms)

    def import_inline(
        self, kind: ImportKind, body: bytes, employee_id: str | None, options: ImportOptions | None = None
    ) -> ImportJob:
        """The same pipeline for a small CSV posted in the request; returns the finished job (an
        inline import is never a preview: its rows are gone with the request)."""
        now = self.clock()
        job = ImportJob(
            id=self.ids(),
            kind=kind,
            filename="inline.csv",
            created_at=now,
            created_by=employee_id,
            status="running",
            bytes_total=len(body),
            started_at=now,
            lease_until=now + _LEASE,
            options=replace(options or ImportOptions(), preview=False),
        )
        self.jobs.create(job)
        return self._process(replace(job, version=1), io.BytesIO(body), lambda: 10**9)

    # -- the pipeline --------------------------------------------------------------------------
    def _process(self, job: ImportJob, stream: IO[bytes], remaining_ms: Callable[[], int]) -> ImportJob:
        run: _Run | None = None
        try:
            text, delimiter, consumed = csv_format.open_text(stream, job.options)
            rows = csv_format.read_rows(cast(IO[str], text), delimiter, job.options.skip_lines)
            header = next(rows, None)
            if header is None:
                return self._fail(job, "The file is empty.")
            if isinstance(header, csv_format.Unreadable):
                return self._fail(job, f"Line {header.line}: the header row can't be read ({header.reason}).")
            # Which system wrote the file, shown with the job (saved with its first batch); a
            # label is read as that system means it.
            job = replace(job, layout=import_layouts.detect_layout(job.kind, header[1]))
            columns, unknown = self._columns(job.kind, header[1], job.options, job.layout)
            # Errors name the column as the file does ("Adresse e-mail"), not our field name.
            names = [cell.strip() for cell in header[1]]
            ignored = {
                position: names[position]
                for position in range(len(names))
                if position not in columns and names[position] in unknown
            }
            # The header as matched, kept on the job: the "match columns" step shows it (and the
            # next save stores it; a continuation reads the same header again).
            matched = tuple(
                ImportColumn(name, columns.get(position, IGNORE))
                for position, name in enumerate(names)
                if name
            )
            run = _Run(
                replace(job, columns=matched),
                columns,
                {field: names[position] for position, field in columns.items()},
                names,
                ignored,
                pace=self.write_pace() if self.write_pace is not None else None,
            )
            # An address file may name its owners by Customer ID instead (the source's id or ours).
            owner_column = "email" in columns.values() or (
                job.kind == "addresses" and "customer_id" in columns.values()
            )
            if not owner_column:
                return self._fail(job, "No e-mail column was found in the header row.")
            if job.previewing:
                return self._preview(run, rows, consumed.count)
            # Rows a previous invocation already applied: read past them, apply nothing.
            to_skip, skipped = job.checkpoint_rows, 0
            batch: list[csv_format.Row | csv_format.Unreadable] = []
            streak, streak_line = 0, 0  # unreadable records in a row, and the first one's line
            for row in rows:
                if not isinstance(row, csv_format.Unreadable) and not any(cell.strip() for cell in row[1]):
                    continue
                if skipped < to_skip:
                    skipped += 1
                    continue
                batch.append(row)
                if isinstance(row, csv_format.Unreadable):
                    streak, streak_line = streak + 1, streak_line or row.line
                    if streak >= MAX_UNREADABLE_IN_A_ROW:
                        self._flush(run, batch, consumed.count)  # what came before is applied
                        return self._fail(
                            run.job,
                            f"Line {streak_line}: the file can't be read past this line "
                            f"({streak} lines in a row could not be read).",
                        )
                else:
                    streak, streak_line = 0, 0
                if len(batch) >= self.rows_per_batch:
                    self._flush(run, batch, consumed.count)
                    batch = []
                    if remaining_ms() < self.continue_below_ms:
                        return self._hand_over(run.job)
            if batch:
                self._flush(run, batch, consumed.count)
            return self._finish(run.job)
        except csv_format.CsvFormatError as error:
            # Also raised mid-file (a byte the file's encoding can't decode, after batches were
            # applied): the job is failed as last saved, not as it was when the run began.
            return self._fail(run.job if run is not None else job, str(error))
        except ConflictError:
            logger.info("import taken over by another run", import_id=job.id)
            return self.get(job.id)

    def _columns(
        self,
        kind: ImportKind,
        header: list[str],
        options: ImportOptions | None = None,
        layout: str | None = None,
    ) -> tuple[dict[int, str], list[str]]:
        """Position → field for the columns we take; the header texts of the ones we don't.

        The merchant's mapping {header as written: field | "ignore"} wins over the labels we
        recognise; "ignore" (ours or theirs) drops a column on purpose, with no warning. A column
        whose field the pipeline doesn't store, or a second column for a field already taken, is
        reported as left behind, like an unknown one."""
        mapping = options.mapping if options else {}
        # The mapping's keys as the merchant typed them may differ from the file in case,
        # accents, spaces or a "*": they are compared like labels.
        by_label = {import_layouts.normalise_label(k): v for k, v in mapping.items()}
        stored = import_layouts.STORED_FIELDS[kind]
        columns: dict[int, str] = {}
        unknown: list[str] = []
        for position, cell in enumerate(header):
            key = import_layouts.normalise_label(cell)
            if not key:
                continue  # the format's trailing ";"
            name = (
                mapping.get(cell.strip()) or by_label.get(key) or import_layouts.field_for(kind, cell, layout)
            )
            if name == IGNORE:
                continue
            if name is None or name not in stored or name in columns.values():
                unknown.append(cell.strip())
            else:
                columns[position] = name
        return columns, unknown

    def _flush(
        self,
        run: _Run,
        batch: list[csv_format.Row | csv_format.Unreadable],
        bytes_read: int,
        *,
        dry_run: bool = False,
    ) -> _Batch:
        """Apply a batch and checkpoint. `dry_run` (a preview): build the same creates and updates,
        write nothing, and return the outcome with each row as it would be stored."""
        job = run.job
        parsed = [
            (
                line,
                {
                    name: csv_format.clean(cells[i]) if i < len(cells) else None
                    for i, name in run.columns.items()
                },
            )
            for line, cells in (row for row in batch if not isinstance(row, csv_format.Unreadable))
        ]
        reader = self._value_reader(run)
        if job.kind == "customers":
            # The file's day/month order is decided before any row is read (and kept on the job).
            dates = (v.get(name) for _, v in parsed for name in import_values.DATE_FIELDS)
            reader.dates.settle((d for d in dates if d), first_batch=job.checkpoint_rows == 0)
            outcome = self._customer_rows(job, parsed, run.headers, reader, run.pace, dry_run=dry_run)
        else:
            outcome = self._address_rows(parsed, run.headers, mode=job.options.mode, dry_run=dry_run)
        for row in batch:
            if isinstance(row, csv_format.Unreadable):
                position = row.position if row.position is not None else len(run.names)
                outcome.fail(
                    row.line, run.names[position] if position < len(run.names) else "row", row.reason
                )
            else:
                # A value in a column nobody reads is data the merchant would lose: count it.
                for position, name in run.ignored.items():
                    if position < len(row[1]) and csv_format.clean(row[1][position]) is not None:
                        outcome.warn(name, IGNORED_COLUMN)
                # So is one under no header (blank, or past the header's last column): named by
                # its position, as the cell itself is never quoted. An empty one (the trailing ";"
                # PrestaShop's exports write) is nothing lost.
                for position in _unnamed_positions(run.names, len(row[1])):
                    if csv_format.clean(row[1][position]) is not None:
                        outcome.warn(f"column {position + 1}", NO_HEADER_COLUMN)
        if dry_run:
            for line, values in parsed:
                action = "error" if line in outcome.failed_lines else "unchanged"
                # An unchanged or failed row is shown as read: never with its password or hash.
                outcome.stored.setdefault(line, (action, import_preview.row_values(values)))
            return outcome
        if outcome.errors:
            self.jobs.put_errors(job.id, outcome.errors)
        last = batch[-1]
        advanced = replace(
            job,
            rows_read=job.rows_read + len(batch),
            created=job.created + outcome.created,
            updated=job.updated + outcome.updated,
            unchanged=job.unchanged + outcome.unchanged,
            failed=job.failed + len(outcome.failed_lines),
            passwords_total=job.passwords_total + outcome.passwords,
            password_chunks=job.password_chunks + outcome.password_chunks,
            throttled_writes=job.throttled_writes + outcome.throttling.throttled,
            throttle_wait_ms=job.throttle_wait_ms + round(outcome.throttling.backoff_seconds * 1000),
            checkpoint_rows=job.checkpoint_rows + len(batch),
            checkpoint_line=last.line if isinstance(last, csv_format.Unreadable) else last[0],
            warnings=merge_warnings(job.warnings, outcome.warnings),
            detected_date_format=reader.dates.decided,
            bytes_read=max(job.bytes_read, bytes_read),
            lease_until=self.clock() + _LEASE,
            stalls=0,
        )
        run.job = self.jobs.save(job, advanced)
        return outcome

    def _preview(
        self, run: _Run, rows: Iterator[csv_format.Row | csv_format.Unreadable], bytes_read: Any
    ) -> ImportJob:
        """Read the first PREVIEW_READ_ROWS rows through the same checks as a real run, write
        nothing to customers, addresses or groups, and leave the job `previewed` with its first
        rows as they would be stored, the would-be counts and the warnings."""
        batch: list[csv_format.Row | csv_format.Unreadable] = []
        for row in rows:
            if not isinstance(row, csv_format.Unreadable) and not any(cell.strip() for cell in row[1]):
                continue
            batch.append(row)
            if len(batch) >= PREVIEW_READ_ROWS:
                break
        job = run.job
        outcome = self._flush(run, batch, 0, dry_run=True) if batch else _Batch()
        now = self.clock()
        shown = import_preview.preview_rows(outcome.stored, outcome.errors)
        # The rows first: a job seen as `previewed` always has them.
        self.jobs.put_preview(job.id, shown, now, now + PREVIEW_TTL)
        previewed = replace(
            job,
            status="previewed",
            rows_read=len(batch),
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            failed=len(outcome.failed_lines),
            warnings=merge_warnings((), outcome.warnings),
            lease_until=None,
            finished_at=now,
        )
        logger.info("import previewed", import_id=job.id, rows=len(batch))
        return self.jobs.save(job, previewed)

    def preview(self, job: ImportJob) -> list[PreviewRow] | None:
        """A previewed job's first rows as they would be stored (None: not a previewed job)."""
        if job.status != "previewed":
            return None
        return self.jobs.get_preview(job.id)

    def apply(self, import_id: str) -> ImportJob:
        """Run a previewed job for real, with the options it was previewed with. The run happens
        in the import Lambda (a continuation marker), not in the request. Idempotent: a job
        already applied is returned as it is. Raises: NotFoundError, ConflictError (not previewed)."""
        job = self.get(import_id)
        if job.applied_at is not None:
            return job
        if job.status != "previewed":
            raise ConflictError("Only a previewed import can be applied.")
        now = self.clock()
        sequence = job.continuation + 1
        applied = replace(
            job,
            status="running",
            applied_at=now,
            rows_read=0,
            created=0,
            updated=0,
            unchanged=0,
            failed=0,
            bytes_read=0,
            checkpoint_rows=0,
            checkpoint_line=0,
            claimed_rows=0,
            stalls=0,
            warnings=(),
            finished_at=None,
            # If the marker's event never comes, the watchdog resumes the job once this expires.
            lease_until=now + _LEASE,
            continuation=sequence,
        )
        try:
            applied = self.jobs.save(job, applied)
        except ConflictError:
            return self.get(import_id)  # applied at the same time by another request
        self.jobs.clear_errors(job.id)
        with contextlib.suppress(ServiceUnavailableError):  # the watchdog hands it over then
            self.files.put(
                f"{IMPORT_PREFIX}{job.id}/{CONTINUE_MARKER}{sequence:06d}", b"", "application/octet-stream"
            )
        logger.info("import applied", import_id=job.id)
        return applied

    def _value_reader(self, run: _Run) -> import_values.ValueReader:
        """The run's value readers, built on its first batch from the job's options and the date
        order an earlier batch or run decided."""
        if run.values is None:
            job = run.job
            # A preview creates no group; the run after `apply` does (create_missing_groups).
            create = self.config.ensure_group if not job.previewing else (lambda _id, _name: False)
            run.values = import_values.ValueReader(
                import_values.DateReader(
                    job.options.date_format,
                    cast(import_values.SlashOrder | None, job.detected_date_format),
                ),
                import_values.GroupResolver(lambda: self.config.entries("GROUP"), job.options, create),
            )
        return run.values

    def _hand_over(self, job: ImportJob) -> ImportJob:
        """Checkpointed: continue in a fresh invocation, triggered by a marker object."""
        sequence = job.continuation + 1
        job = self.jobs.save(job, replace(job, continuation=sequence))
        self.files.put(
            f"{IMPORT_PREFIX}{job.id}/{CONTINUE_MARKER}{sequence:06d}", b"", "application/octet-stream"
        )
        logger.info("import continues in a new invocation", import_id=job.id, rows=job.checkpoint_rows)
        return job

    def _finish(self, job: ImportJob) -> ImportJob:
        report_key = None
        # Every row error names a failed row (a batch stores them with its failed count), so a
        # job with none failed has none to read: no Query.
        errors = list(self.jobs.all_errors(job.id)) if job.failed else []
        if errors or job.warnings:
            report_key = f"{REPORT_PREFIX}{job.id}.csv"
            self.files.put(
                report_key, import_preview.report_csv(errors, job.warnings), "text/csv; charset=utf-8"
            )
        status = finished_status(job)
        finished = replace(
            job, status=status, finished_at=self.clock(), lease_until=None, report_key=report_key
        )
        if job.password_chunks and self.passwords is not None:
            # Not finished while password chunks are out: `running` until the last one is done.
            saved = self.passwords.finish_or_wait(replace(finished, finished_at=None), status)
        else:
            saved = self.jobs.save(job, finished)
        self._drop_source(saved)
        metrics.add_metric(name="ImportRows", unit="Count", value=job.rows_read)
        metrics.add_metric(name="ImportRowsFailed", unit="Count", value=job.failed)
        # "created" is a LogRecord attribute: as a log key it makes logging raise at INFO level.
        logger.info(
            "import finished",
            import_id=job.id,
            rows=job.rows_read,
            rows_created=job.created,
            updated=job.updated,
            unchanged=job.unchanged,
            failed=job.failed,
            throttled_writes=job.throttled_writes,
            throttle_wait_ms=job.throttle_wait_ms,
        )
        return saved

    def _fail(self, job: ImportJob, reason: str) -> ImportJob:
        logger.warning("import failed", import_id=job.id, reason=reason)
        failed = self.jobs.save(
            job, replace(job, status="failed", failure=reason, finished_at=self.clock(), lease_until=None)
        )
        self._drop_source(failed)
        return failed

    def _drop_source(self, job: ImportJob) -> None:
        """A finished job's uploaded file goes: it holds every row's personal data, and nothing
        reads it again (a redelivered event finds the job finished; a new upload is a new run). The
        job keeps its counters and row errors, which hold no row content. Best effort: if S3 is
        down the file stays, and erasure deletes it for the customers it touched."""
        if job.options.preview:
            # The preview's rows are personal data of people who are not customers (yet): they go
            # with the file (the TTL is the backstop).
            with contextlib.suppress(ServiceUnavailableError):
                self.jobs.delete_preview(job.id)
        if job.source_key is None:
            return
        try:
            self.files.delete_keys([job.source_key])
        except ServiceUnavailableError:
            logger.warning("import source not deleted", import_id=job.id)

    # -- customers rows ------------------------------------------------------------------------
    def _customer_rows(
        self,
        job: ImportJob,
        rows: list[tuple[int, dict[str, str | None]]],
        headers: dict[str, str],
        reader: import_values.ValueReader,
        pace: WritePace | None,
        *,
        dry_run: bool = False,
    ) -> _Batch:
        outcome = _Batch()
        emails = [normalise_email(email) for _, f in rows if (email := f.get("email"))]
        by_email, blocked = self.customers.get_many_by_email(emails)
        by_id = self.customers.get_many([ref for _, f in rows if (ref := f.get("id")) and _OUR_ID.match(ref)])
        # Any other id is the source system's (PrestaShop's "force ID"): found through the
        # CUSTOMER_REF# lookup, before the e-mail, so a changed e-mail updates instead of duplicating.
        by_ref = self.customers.get_many_by_ref(
            [ref for _, f in rows if (ref := f.get("id")) and ref not in by_id]
        )
        originals: dict[str, Customer] = {}  # customer id → as stored before this batch
        latest = BatchCustomers()  # customer id → after this batch's rows so far
        new_ids: set[str] = set()
        lines_of: dict[str, list[int]] = {}
        passwords = RowPasswords(job.options.passwords, lambda: bool(self.cookie_key()))
        fan_out = self.passwords is not None and job.options.passwords == "keep"
        entries: dict[str, PasswordEntry] = {}  # customer id → the last row's password
        applied: list[tuple[int, dict[str, str | None]]] = []  # rows taken, changed or not
        for line, values in rows:
            deferred: dict[str, str] | None = {} if fan_out else None
            try:
                customer_id = self._customer_row(
                    values,
                    by_email,
                    by_id | by_ref,
                    blocked,
                    originals,
                    latest,
                    new_ids,
                    reader,
                    mode=job.options.mode,
                    passwords=passwords,
                    deferred=deferred,
                )
            except RowRejectedError as rejected:
                reader.take()  # a failed row's warnings are moot: its errors say it all
                for name, reason in rejected.fields.items():
                    outcome.fail(line, self._column(name, headers), reason)
                continue
            except RowSkippedError as skipped:
                reader.take()
                outcome.warn(self._column(skipped.column, headers), skipped.reason)
                outcome.stored[line] = ("skip", import_preview.row_values(values))
                continue
            for name, reason in reader.take():
                outcome.warn(self._column(name, headers), reason)
            for pending_id, password in (deferred or {}).items():
                # The marker names this row: a worker holding an earlier row's chunk finds it stale.
                marked = replace(
                    latest[pending_id],
                    password_pending=pending_marker(job.id, run_tag(job.source_etag), line),
                )
                latest[pending_id] = marked
                entries[pending_id] = PasswordEntry(line, pending_id, password)
            applied.append((line, values))
            if customer_id is None:
                outcome.unchanged += 1
                continue
            lines_of.setdefault(customer_id, []).append(line)
            # Provenance for the personal-data export: which import and line touched the customer.
            row = ImportRow(job.id, line, "created" if customer_id in new_ids else "updated", self.clock())
            current = latest[customer_id]
            if any(r.import_id == job.id and r.line != line for r in current.import_rows):
                # An earlier row of this file (this batch or one before) set this customer and
                # this one changed it again: the earlier row's values are gone. Its own line
                # again (a redelivered event) is not a second row.
                outcome.warn(self._column("email", headers), SAME_CUSTOMER_AGAIN)
            kept = (*current.import_rows, row)[-IMPORT_ROWS_KEPT:]
            latest[customer_id] = replace(current, import_rows=kept)
        creates = [latest[i] for i in latest if i in new_ids]
        updates = [(originals[i], latest[i]) for i in latest if i not in new_ids]
        token = hashlib.sha256(
            (
                job.id + "|" + "|".join(f"{c.id}:{c.version}" for c in (*creates, *(b for b, _ in updates)))
            ).encode()
        ).hexdigest()
        # A preview writes nothing: every row "succeeds" as far as the batch's own checks go.
        paced_before = pace.report() if pace is not None else PaceReport()
        failures = {} if dry_run else self.customers.write_batch(creates, updates, token, pace)
        if pace is not None:
            outcome.throttling = pace.report().since(paced_before)
        if job.options.passwords == "invite" and not dry_run:
            self._queue_invitations(job, creates, failures, by_email)
        if passwords.md5_without_key:
            outcome.warn(
                headers.get("password_hash", "password_hash"), MD5_NEEDS_COOKIE_KEY, passwords.md5_without_key
            )
        handed = [entry for customer_id, entry in entries.items() if customer_id not in failures]
        if handed and self.passwords is not None and not dry_run:
            outcome.passwords = len(handed)
            outcome.password_chunks = self.passwords.dispatch(job.id, run_tag(job.source_etag), handed)
        for customer_id, lines in lines_of.items():
            if dry_run:
                shown = import_preview.customer_values(latest[customer_id])
                for line in lines:
                    outcome.stored[line] = ("create" if customer_id in new_ids else "update", shown)
            error = failures.get(customer_id)
            if error is not None:
                for line in lines:
                    column = "id" if isinstance(error, MerchantRefTakenError) else "email"
                    outcome.fail(line, headers.get(column, column), self._reason(error))
            elif customer_id in new_ids:
                outcome.created += 1
                outcome.updated += len(lines) - 1  # later rows for the same new e-mail
            else:
                outcome.updated += len(lines)
        # Then each saved row's own address columns (Shopify, WooCommerce): the customer exists now.
        changed = {line for lines in lines_of.values() for line in lines}
        for line, values in applied:
            owner = import_addresses.owner_of(values, by_id | by_ref, by_email, latest)
            if line in outcome.failed_lines or owner is None:
                continue
            self._customer_address(
                job, line, values, owner, owner.id in new_ids, line in changed, headers, outcome, dry_run
            )
        return outcome

    def _customer_address(
        self,
        job: ImportJob,
        line: int,
        values: dict[str, str | None],
        owner: Customer,
        new_owner: bool,
        changed: bool,
        headers: dict[str, str],
        outcome: _Batch,
        dry_run: bool,
    ) -> None:
        """A customers row's address (import_addresses): its warnings by the file's column, a
        changed address counted as an updated row, a preview row showing the address fields."""
        result = import_addresses.upsert(
            self.addresses,
            owner,
            values,
            new_owner=new_owner,
            mode=job.options.mode,
            dry_run=dry_run,
            skipped_reason=lambda exists: SKIPPED_EXISTS if exists else SKIPPED_UNKNOWN,
        )
        for name, reason in result.warnings:
            outcome.warn(headers.get(name, name), reason)
        if not changed and result.action in ("create", "update"):
            outcome.unchanged -= 1
            outcome.updated += 1
        if dry_run and result.stored:
            action, shown = outcome.stored.get(line, ("update", import_preview.customer_values(owner)))
            outcome.stored[line] = (action, shown | result.stored)

    # -- invitations (passwords: invite) -------------------------------------------------------
    def _queue_invitations(
        self,
        job: ImportJob,
        creates: list[Customer],
        failures: dict[str, Exception],
        stored: dict[str, Customer],
    ) -> None:
        """One marker object per batch, listing the customers it created, written after they are.

        A run that died between the write and the marker runs the batch again, and finds those
        customers stored (unchanged rows now): they are listed by their provenance (created by
        this job), so none is left without an invitation; the mail claim keeps it to one mail.
        The marker is named by the batch's first row and its content: a batch run again adds a
        marker, it never replaces one that was not processed yet."""
        created_here = [c.id for c in creates if c.id not in failures]
        created_before = [
            c.id
            for c in stored.values()
            if any(r.import_id == job.id and r.action == "created" for r in c.import_rows)
        ]
        customer_ids = list(dict.fromkeys([*created_here, *created_before]))
        if not customer_ids:
            return
        body = json.dumps({"customer_ids": customer_ids}).encode()
        digest = hashlib.sha256(body).hexdigest()[:16]
        key = f"{IMPORT_PREFIX}{job.id}/{INVITE_MARKER}{job.checkpoint_rows:09d}-{digest}"
        self.files.put(key, body, "application/json")

    def _send_invitations(self, key: str, remaining_ms: Callable[[], int]) -> None:
        """An invitation marker's event: mail each listed customer once (the mail claim is per
        customer, so a redelivered marker or a re-run batch's second marker mails nobody twice),
        then delete the marker. Out of time, the rest goes to a new marker, i.e. a new event."""
        if self.invitations is None:
            logger.warning("import invitations not configured")
            return
        try:
            stream, _size, _etag = self.files.open(key)
        except NotFoundError:
            return  # already done
        try:
            marker = json.loads(stream.read())
            ids = [str(i) for i in marker.get("customer_ids", []) if isinstance(i, str)]
            handed_on = int(marker.get("handed_on", 0))
        except (ValueError, AttributeError, TypeError):
            logger.warning("unreadable invitation marker dropped")
            ids, handed_on = [], 0
        left = self.invitations(ids, remaining_ms) if ids else []
        if left:
            # The count makes the new marker's name differ from this one's even when nothing
            # was sent (an invocation that started out of time), so deleting this one keeps it.
            body = json.dumps({"customer_ids": left, "handed_on": handed_on + 1}).encode()
            base = key.rsplit("-", 1)[0]
            self.files.put(f"{base}-{hashlib.sha256(body).hexdigest()[:16]}", body, "application/json")
        self.files.delete_keys([key])

    def _customer_row(
        self,
        values: dict[str, str | None],
        by_email: dict[str, Customer],
        by_id: dict[str, Customer],
        blocked: set[str],
        originals: dict[str, Customer],
        latest: BatchCustomers,
        new_ids: set[str],
        reader: import_values.ValueReader,
        *,
        mode: ImportMode = "both",
        passwords: RowPasswords | None = None,
        deferred: dict[str, str] | None = None,
    ) -> str | None:
        """Apply one row to the batch's state. Returns the customer id it changed (None: unchanged).
        Raises: RowRejectedError, RowSkippedError (the `mode` leaves the row out).

        With `deferred`, a plaintext password is not hashed here: it is checked against the
        password policy, the customer is marked as waiting for it, and it is put in `deferred`
        under the customer's id for the password workers."""
        email = values.get("email")
        if not email:
            raise RowRejectedError({"email": "required"})
        data, problems = self._customer_data(values, reader)
        password = _password_cell(data, values, passwords, problems)
        deferred_password = self._deferred_password(password, problems) if deferred is not None else None
        key = normalise_email(email)
        reference = values.get("id")
        # By id: ours, or the source system's (`by_id` holds both, keyed by the file's value; a
        # customer this batch created is found by its reference too), then by e-mail.
        current = (
            by_id.get(reference or "")
            or latest.with_reference(reference)
            or latest.with_email(key)
            or by_email.get(key)
        )
        stored = current  # as read before this batch (unless an earlier row of it changed it)
        if current is not None and current.id in latest:
            current = latest[current.id]
        if current is None and mode == "update":
            raise RowSkippedError("email", SKIPPED_UNKNOWN)
        if current is not None and mode == "create":
            raise RowSkippedError("email", SKIPPED_EXISTS)
        ours = by_id.get(reference or "")
        merchant_ref = reference if reference and (ours is None or ours.id != reference) else None
        dates = {k: data.pop(k) for k in ("registered_at", "last_visit_at") if k in data}
        if current is None:
            if key in blocked:
                raise RowRejectedError({"email": "this e-mail address is blocked from registering again"})
            try:
                # A deferred plaintext is left for the password workers: not hashed here.
                hashed_here = password.kind == "plaintext" and deferred_password is None
                plaintext = {"password": password.value} if hashed_here else {}
                request = CreateCustomerRequest.model_validate(data | plaintext)
                created = self.customer_service.build_new(request, source="import")
            except (ValidationError, InvalidInputError) as error:
                raise RowRejectedError(problems | _row_problems(error)) from None
            if problems:
                raise RowRejectedError(problems)
            created = replace(
                created,
                password_hash=password.value if password.is_hash else created.password_hash,
                merchant_ref=merchant_ref,
                registered_at=dates.get("registered_at", created.registered_at),
                last_visit_at=dates.get("last_visit_at", created.last_visit_at),
            )
            if deferred_password is not None and deferred is not None:
                created = replace(created, password_pending="")  # the row's marker is set by the caller
                deferred[created.id] = deferred_password
            latest[created.id] = created
            new_ids.add(created.id)
            return created.id
        if values.get("groups") is None and "default_group_id" in data:
            # A default group without a group list (PrestaShop 8's export) says which group is
            # the default, not that the customer left the others.
            data["group_ids"] = list(dict.fromkeys([*current.group_ids, data["default_group_id"]]))
        try:
            changes = UpdateCustomerRequest.model_validate(data)
            after = self.customer_service.build_update(current, changes, source="import")
        except (ValidationError, InvalidInputError) as error:
            raise RowRejectedError(problems | _row_problems(error)) from None
        if problems:
            raise RowRejectedError(problems)
        if deferred_password is not None and deferred is not None:
            # The old password keeps working until the worker writes the new one.
            after = replace(after, password_pending="")
            deferred[current.id] = deferred_password
        elif password.kind == "plaintext" and not verify_password(
            current.password_hash, password.value or ""
        ):
            after = self.customer_service.build_update(
                after, UpdateCustomerRequest(password=password.value), source="import"
            )
        elif password.is_hash and password.value != current.password_hash:
            # A new credential, as a typed password would be: it ends the customer's sessions.
            after = replace(
                after, password_hash=password.value, session_generation=current.session_generation + 1
            )
        after = replace(
            after,
            registered_at=dates.get("registered_at", after.registered_at),
            last_visit_at=dates.get("last_visit_at", after.last_visit_at),
            merchant_ref=merchant_ref or after.merchant_ref,
        )
        if _same(current, after):
            return None
        originals.setdefault(current.id, stored or current)
        latest[current.id] = after
        return current.id

    def _deferred_password(self, password: PasswordCell, problems: dict[str, str]) -> str | None:
        """A row's plaintext password for the workers (legacy hashes are stored as they are),
        once it meets the policy: cheap, so a bad one is a row error now, not a silent loss later."""
        if password.kind != "plaintext" or not password.value:
            return None
        try:
            check_password(password.value, self.config.settings().password_policy)
        except InvalidInputError as error:
            problems.update(error.fields or {"password": error.message})
            return None
        return password.value

    def _customer_data(
        self, values: dict[str, str | None], reader: import_values.ValueReader
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Typed request fields from a row's cells, and the cells that could not be read. What is
        read differently from how it is written (an unknown group left out) is a warning."""
        data: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name, raw in values.items():
            if raw is None or name in ("id", "age", "groups", "default_group"):
                continue
            try:
                if name in ("first_name", "last_name", "email", "company", "password"):
                    data[name] = raw
                elif name in ("enabled", "newsletter", "optin"):
                    data[name] = csv_format.parse_bool(raw)
                elif name == "registration":
                    data["registered_at"] = reader.dates.read_datetime(raw)
                elif name == "last_visit":
                    data["last_visit_at"] = reader.dates.read_datetime(raw)
                elif name == "birthday":
                    data["birthday"] = reader.dates.read_date(raw).isoformat()
                elif name == "title":
                    title = self._title(raw)
                    if title is not None:
                        data["title_id"] = title
                elif name == "language":
                    data["language"] = _LANGUAGES.get(fold(raw), raw.lower())
            except ValueError as error:
                problems[name] = str(error)
        if values.get("groups") is not None or values.get("default_group") is not None:
            groups = self._groups(values.get("groups"), values.get("default_group"), reader)
            if groups.group_ids:
                data["group_ids"], data["default_group_id"] = groups.group_ids, groups.default_group_id
        full_name = values.get("name")
        if full_name and "first_name" not in data and "last_name" not in data:
            # WooCommerce's report has one "Name" column.
            split = import_layouts.split_name(full_name)
            if split is None:
                problems["name"] = "a first and a last name are needed"
            else:
                data["first_name"], data["last_name"] = split
        return data, problems

    def _title(self, raw: str) -> str | None:
        """Our title id (None: PrestaShop's 0, no title). Raises: ValueError."""
        return import_values.title_id(raw, self.config.titles(), self.config.title_exists)

    def _groups(
        self, raw: str | None, default: str | None, reader: import_values.ValueReader
    ) -> import_values.GroupsRead:
        """The row's groups and default group; what isn't known is a warning, never a failed row:
        the customer keeps the known groups (or the shop's default customer group)."""
        groups = reader.groups.read(raw, default)
        for name, reason in groups.warnings:
            reader.warn(name, reason)
        return groups

    @staticmethod
    def _column(name: str, headers: dict[str, str]) -> str:
        base = name.split(".", 1)[0]
        field_to_column = {
            "title_id": "title",
            "group_ids": "groups",
            "default_group_id": "default_group" if "default_group" in headers else "groups",
            "registered_at": "registration",
            "last_visit_at": "last_visit",
        }
        return headers.get(field_to_column.get(base, base), base)

    @staticmethod
    def _reason(error: Exception) -> str:
        if isinstance(error, MerchantRefTakenError):
            return "this ID belongs to another customer"
        if isinstance(error, AlreadyExistsError):
            return "this e-mail address belongs to another customer"
        if isinstance(error, InvalidInputError):
            return next(iter(error.fields.values()), error.message)
        if isinstance(error, DomainError):
            return "the customer changed during the import; import the row again"
        return "could not be saved"

    # -- address rows --------------------------------------------------------------------------
    def _address_rows(
        self,
        rows: list[tuple[int, dict[str, str | None]]],
        headers: dict[str, str],
        *,
        mode: ImportMode = "both",
        dry_run: bool = False,
    ) -> _Batch:
        """Addresses upsert by owner (customer e-mail, or the source system's Customer ID when there is
        none) and then by the source's Address ID or else the alias, one write per row. Brand, supplier and
        inactive addresses are skipped with a warning (counted per reason), never failed. `mode`
        create leaves existing addresses alone, update adds none; `dry_run` writes nothing."""
        outcome = _Batch()
        emails = [normalise_email(email) for _, f in rows if (email := f.get("email"))]
        owners, _blocked = self.customers.get_many_by_email(emails)
        # Rows without an e-mail find their owner by Customer ID: ours, or the source system's
        # through the same CUSTOMER_REF# lookup the customers import writes (one BatchGet each).
        owner_ids = [ref for _, f in rows if not f.get("email") and (ref := f.get("customer_id"))]
        owners_by_id = self.customers.get_many([r for r in owner_ids if _OUR_ID.match(r)])
        owners_by_id |= self.customers.get_many_by_ref([r for r in owner_ids if r not in owners_by_id])
        for line, values in rows:
            skipped = import_values.skipped_address(values)
            if skipped is not None:
                outcome.warn(headers.get(skipped[0], skipped[0]), skipped[1])
                outcome.stored[line] = ("skip", import_preview.row_values(values))
                continue
            email, owner_ref = values.get("email"), values.get("customer_id")
            if email:
                owner = owners.get(normalise_email(email))
            else:
                owner = owners_by_id.get(owner_ref) if owner_ref else None
            if owner is None:
                if email or not owner_ref:
                    reason = "required" if not email else "no customer has this e-mail address"
                    outcome.fail(line, headers.get("email", "email"), reason)
                else:
                    outcome.fail(line, headers.get("customer_id", "customer_id"), "no customer has this ID")
                continue
            reference = values.get("id")
            document = {k: v for k, v in values.items() if k in ADDRESS_FIELDS and v is not None}
            try:
                active = values.get("enabled")
                if active is not None and not csv_format.parse_bool(active):
                    outcome.warn(headers.get("enabled", "enabled"), import_values.SKIPPED_INACTIVE)
                    outcome.stored[line] = ("skip", document)
                    continue
            except ValueError as error:
                outcome.fail(line, headers.get("enabled", "enabled"), str(error))
                continue
            if "country" in document:
                try:
                    document["country"] = import_values.country_code(document["country"])
                except ValueError as error:
                    outcome.fail(line, headers.get("country", "country"), str(error))
                    continue
            try:
                book = self.addresses.for_customer(owner.id, 200, None, include_deleted=False)[0]
                # The source's Address ID first (a renamed alias is still the same address), then
                # the alias.
                existing = next((a for a in book if reference and a.merchant_ref == reference), None) or next(
                    (a for a in book if fold(a.alias) == fold(document.get("alias", "My address"))), None
                )
                if (existing is None and mode == "update") or (existing is not None and mode == "create"):
                    column = headers.get("alias") or headers.get("email", "email")
                    outcome.warn(column, SKIPPED_UNKNOWN if existing is None else SKIPPED_EXISTS)
                    outcome.stored[line] = ("skip", document)
                elif existing is None:
                    request = AddressRequest.model_validate(document)
                    if not dry_run:
                        self.addresses.create(owner.id, request, merchant_ref=reference)
                    outcome.created += 1
                    outcome.stored[line] = ("create", request.model_dump(mode="json", exclude_none=True))
                elif all(getattr(existing, k) == v for k, v in document.items()) and (
                    reference is None or existing.merchant_ref == reference
                ):
                    outcome.unchanged += 1
                    outcome.stored[line] = ("unchanged", document)
                else:
                    changes = UpdateAddressRequest.model_validate(document)
                    if not dry_run:
                        self.addresses.update(existing.id, changes, merchant_ref=reference)
                    outcome.updated += 1
                    outcome.stored[line] = ("update", changes.model_dump(mode="json", exclude_unset=True))
            except ValidationError as error:
                for name, reason in fields_of(error).items():
                    base = name.split(".", 1)[0]
                    outcome.fail(line, headers.get(base, base), reason)
            except InvalidInputError as error:
                for name, reason in (error.fields or {"row": error.message}).items():
                    outcome.fail(line, headers.get(name, name), reason)
            except DomainError as error:
                outcome.fail(line, "row", self._reason(error))
        return outcome

    # -- export ----------------------------------------------------------------------------------
    def export_size(self, params: ListCustomersParams, at_most: int) -> int:
        """How many customers an export would hold, counted no further than at_most + 1: a direct
        export over its limit is refused before a line is built."""
        return self.customer_service.count_at_most(params, at_most)

    def export_lines(self, params: ListCustomersParams, layout: ExportFormat = "clientele") -> Iterator[str]:
        """The customers matching the list filters in one of the export layouts (UTF-8, with BOM)."""
        chosen = export_layouts.LAYOUTS[layout]
        context = export_layouts.ExportContext(
            titles={t.id: t.name for t in self.config.titles()},
            groups=self.config.group_names(),
            b2b=self.config.settings().b2b_mode,
            today=self.clock().date(),
        )
        yield "\ufeff"
        yield from csv_format.csv_lines([chosen.header], chosen.delimiter, trailing=chosen.trailing)
        cursor: str | None = None
        while True:
            page, cursor = self.customer_service.list_page(
                params.model_copy(update={"limit": 200, "cursor": cursor})
            )
            yield from csv_format.csv_lines(
                (chosen.row(c, context) for c in page), chosen.delimiter, trailing=chosen.trailing
            )
            if cursor is None:
                return

    def start_export(self, params: ListCustomersParams, layout: ExportFormat = "clientele") -> ExportJob:
        filters = params.model_dump(
            mode="json", exclude_none=True, exclude={"async_", "cursor", "limit", "format"}
        )
        # The layout travels with the filters (the job's one free-form field) and is taken out
        # again before they are read back as list filters.
        job = ExportJob(id=self.ids(), created_at=self.clock(), filters=filters | {"format": layout})
        self.jobs.save_export(job)
        self.files.put(
            f"{EXPORT_PREFIX}{job.id}/{EXPORT_REQUEST}", json.dumps(job.filters).encode(), "application/json"
        )
        return job

    def handle_export_request(self, key: str) -> ExportJob | None:
        match = re.fullmatch(r"exports/([A-Za-z0-9_-]{1,64})/request\.json", key)
        if match is None:
            return None  # the export files themselves land under exports/ too
        job = self.jobs.get_export(match.group(1))
        if job is None or job.status == "completed":
            return job
        filters = dict(job.filters)
        layout = filters.pop("format", "clientele")
        try:
            if layout not in export_layouts.LAYOUTS:
                raise InvalidInputError("Unknown export format.", {"format": "unknown"})
            params = ListCustomersParams.model_validate(filters)
            # One piece per row after the BOM and the header (a quoted cell may hold a line break,
            # so newlines don't count rows).
            pieces = list(self.export_lines(params, cast(ExportFormat, layout)))
            data = "".join(pieces).encode()
        except (ValidationError, DomainError) as error:
            logger.warning("export failed", export_id=job.id, error=type(error).__name__)
            failed = replace(
                job, status="failed", failure="The export could not be produced.", finished_at=self.clock()
            )
            self.jobs.save_export(failed)
            return failed
        key_out = f"{EXPORT_PREFIX}{job.id}/customers.csv"
        self.files.put(key_out, data, "text/csv; charset=utf-8")
        done = replace(job, status="completed", rows=len(pieces) - 2, key=key_out, finished_at=self.clock())
        self.jobs.save_export(done)
        return done

    def export_job(self, export_id: str) -> tuple[ExportJob, str | None]:
        job = self.jobs.get_export(export_id)
        if job is None:
            raise NotFoundError("Export not found.")
        url = self.files.download_url(job.key, _URL_LIFETIME, f"customers-{job.id}.csv") if job.key else None
        return job, url


def _password_cell(
    data: dict[str, Any],
    values: dict[str, str | None],
    passwords: RowPasswords | None,
    problems: dict[str, str],
) -> PasswordCell:
    """The row's password (plaintext or hash, import_passwords.py), taken out of `data`."""
    plaintext = data.pop("password", None)
    try:
        return (passwords or RowPasswords("keep", lambda: False)).read(plaintext, values.get("password_hash"))
    except ValueError as error:
        problems["password_hash"] = str(error)
        return EMPTY_PASSWORD


def _row_problems(error: ValidationError | InvalidInputError) -> dict[str, str]:
    """Why the request model or the customer service refused a row, per field (the whole row
    when the service names no field)."""
    if isinstance(error, ValidationError):
        return fields_of(error)
    return error.fields or {"row": error.message}


def _stalled_reason(job: ImportJob) -> str:
    where = f"after line {job.checkpoint_line}" if job.checkpoint_line else "at its start"
    return (
        f"The import stopped making progress {where}: {MAX_STALLED_RUNS} runs in a row ended "
        "without applying a row. Check the file from that line on and import it again."
    )


def _same(before: Customer, after: Customer) -> bool:
    def shape(c: Customer) -> tuple[Any, ...]:
        return (
            normalise_email(c.email),
            c.first_name,
            c.last_name,
            c.title_id,
            c.birthday,
            c.enabled,
            c.approved,
            c.newsletter,
            c.optin,
            c.language,
            frozenset(c.group_ids),
            c.default_group_id,
            c.registered_at,
            c.last_visit_at,
            c.merchant_ref,
            tuple(sorted(c.b2b.items())),
            c.password_hash,
            c.password_pending,
            c.is_guest,
        )

    return shape(before) == shape(after)
