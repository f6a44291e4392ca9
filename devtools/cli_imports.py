"""`make cli ARGS="import customers FILE ..."` and `... export customers FILE`: a file import or
export from the command line, through the same path as the back-office.

An import creates its job with ImportService.create_job, PUTs the file to the presigned URL (as a
browser does) and follows the job until it ends, with a progress bar (rich) on a terminal and
plain lines elsewhere (CI=true, a pipe). An export starts the asynchronous export job and writes
the file it produced.

Who runs the job: with `make run` up, its event runner delivers the upload's S3 event as usual.
Without it, the CLI's own embedded AWS has no event runner, so the CLI runs one here, on the
app's own handlers (the way `run-schedule` invokes a schedule): the upload, and the continuation
markers a long import leaves, reach `import_uploaded` exactly as they would in the stack.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Interval between two reads of the job while following it.
POLL_SECONDS = 0.25
# Plain (non-terminal) progress: one line at most this often, and only when something changed.
PLAIN_LINE_SECONDS = 1.0
# After the CLI's own runner gave up on a handler, how long the job must stay unchanged before the
# CLI stops following it (a run still going saves its job every batch).
STALL_SECONDS = 10.0
# Safety net for a job nobody runs (an event runner that is not delivering): stop following.
FOLLOW_TIMEOUT_SECONDS = 3600.0
ERRORS_SHOWN = 20
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliUsageError(Exception):
    """A bad command line: printed, exit code 2."""


def add_commands(commands: Any) -> None:
    """The `import` and `export` subcommands, on devtools.cli's parser."""
    imp = commands.add_parser(
        "import",
        help="import a CSV file (customers or addresses) as the back-office does, with progress",
    )
    imp.add_argument("kind", choices=("customers", "addresses"))
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--mapping", metavar="NAME", help="a saved column mapping (mapping_name)")
    imp.add_argument(
        "--preview", action="store_true", help="read the file and show the first rows; write nothing"
    )
    imp.add_argument(
        "--option",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="an import option (API.md: delimiter, encoding, skip_lines, date_format, mode, passwords, "
        "multi_value_separator, create_missing_groups; mapping and group_map as JSON objects)",
    )
    imp.set_defaults(handler=run_import, quiet_app=True)

    exp = commands.add_parser("export", help="export customers to a CSV file (asynchronous export job)")
    exp.add_argument("kind", choices=("customers",))
    exp.add_argument("file", metavar="FILE", type=Path)
    exp.add_argument("--format", metavar="F", help="the export layout (see API.md)")
    exp.set_defaults(handler=run_export, quiet_app=True)


def quiet_app_logs() -> None:
    """The app's JSON logs and metrics would bury the progress: warnings only, no metrics (unless
    the caller's environment says otherwise). Before anything imports chalicelib."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")


# -- options ----------------------------------------------------------------------------------------
def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """--option KEY=VALUE as typed values, by ImportOptions field name (only the ones given, so
    that they override a saved mapping's). Raises: CliUsageError."""
    from chalicelib.imports.domain import ImportOptions

    known = {f.name for f in dataclasses.fields(ImportOptions)} - {"mapping_name", "preview"}
    defaults = ImportOptions()
    given: dict[str, Any] = {}
    for item in args.option:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in known:
            raise CliUsageError(f"--option takes KEY=VALUE with KEY one of: {', '.join(sorted(known))}")
        given[key] = _option_value(key, raw, getattr(defaults, key))
    return given


def _option_value(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise CliUsageError(f"--option {key}= takes true or false")
        return raw.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        if not raw.isdigit():
            raise CliUsageError(f"--option {key}= takes a whole number")
        return int(raw)
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise CliUsageError(f'--option {key}= takes a JSON object, e.g. {key}=\'{{"Column": "field"}}\'')
        return {str(k): str(v) for k, v in value.items()}
    return raw


# -- who delivers the S3 events ---------------------------------------------------------------------
def _stack_delivers(data_dir: Path) -> bool:
    """True when a `make run` stack (another process, with its event runner) serves this data."""
    from devtools.stack_lock import read_stack_file

    info = read_stack_file(data_dir)
    return info is not None and info.pid != os.getpid() and info.api_url is not None


class Delivery:
    """The CLI's own event runner, on a thread: `start()` once the upload is in the bucket;
    `gave_up()` tells the follower that a handler failed for good (every attempt), so it stops
    following a job nobody runs any more instead of waiting for the timeout."""

    def __init__(self, runner: Any) -> None:
        self._runner = runner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="cli-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def gave_up(self) -> bool:
        from devtools.events import DEFAULT_MAX_ATTEMPTS

        status = self._runner.status()
        return bool(status.failures >= DEFAULT_MAX_ATTEMPTS and status.pending == 0)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._runner.poll_bucket()
            self._stop.wait(POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


@contextmanager
def event_delivery(project_dir: Path, data_dir: Path) -> Iterator[Delivery | None]:
    """Delivers the S3 events of what is uploaded inside the block, when no stack does.

    Yields None when a running stack delivers them; else a Delivery to start once the upload is
    in the bucket. The runner's baseline is the bucket as it was on entry, so only the objects
    written inside the block (the upload, its continuation markers) are delivered, each once."""
    if _stack_delivers(data_dir):
        yield None
        return
    import boto3
    from chalice.cli.factory import CLIFactory

    from chalicelib.core.settings import get_settings
    from devtools.events import EventRunner
    from devtools.local_stack import CHALICE_STAGE, list_bucket

    factory = CLIFactory(project_dir=str(project_dir.resolve()))
    app = factory.create_config_obj(chalice_stage_name=CHALICE_STAGE).chalice_app
    settings = get_settings()
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    delivery = Delivery(
        EventRunner(
            app,
            bucket=settings.bucket_name,
            list_objects=functools.partial(list_bucket, s3, settings.bucket_name),
            state_path=None,
        )
    )
    try:
        yield delivery
    finally:
        delivery.stop()


class _Stall:
    """True once the delivery gave up and the job has not changed for STALL_SECONDS."""

    def __init__(self, delivery: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._delivery = delivery
        self._clock = clock
        self._last: Any = None
        self._since = clock()

    def __call__(self, job: Any) -> bool:
        now = self._clock()
        if job != self._last:
            self._last, self._since = job, now
        return self._delivery is not None and self._delivery.gave_up() and now - self._since >= STALL_SECONDS


# -- import -----------------------------------------------------------------------------------------
def run_import(args: argparse.Namespace) -> int:
    import requests

    from chalicelib.core.errors import InvalidInputError
    from chalicelib.wiring import container
    from devtools.environment import resolve_data_dir

    try:
        size = args.file.stat().st_size
        given_options(args)  # a typo in an option is reported before anything starts
    except CliUsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"error: {args.file}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    services = container().imports
    _seed_defaults()
    try:
        options = _resolve_options(args)
        job, url = services.create_job(args.kind, args.file.name, None, options)
    except InvalidInputError as error:
        reasons = "; ".join(f"{k}: {v}" for k, v in (error.fields or {}).items()) or error.message
        print(f"error: {error.message} ({reasons})", file=sys.stderr)
        return EXIT_USAGE
    with event_delivery(args.project_dir, resolve_data_dir()) as delivery:
        print(f"Import {job.id}: {args.kind} from {args.file.name} ({size:,} bytes)")
        with args.file.open("rb") as body:
            # The browser's path: a PUT to the presigned URL; the upload's S3 event starts the job.
            response = requests.put(url, data=body, headers={"Content-Type": "text/csv"}, timeout=300)
        if response.status_code != 200:
            print(f"error: the upload was refused (HTTP {response.status_code})", file=sys.stderr)
            return EXIT_FAILED
        if delivery is not None:
            delivery.start()
        job = _follow_import(services, job.id, size, _Stall(delivery))
        if job.options.passwords == "invite" and job.created:
            _wait_for_invitations(job.id)
    return _import_summary(services, job)


def _wait_for_invitations(import_id: str, timeout: float = 120.0) -> None:
    """`passwords: invite`: the invitations go out from markers the run left under
    imports/<id>/_invite/ (README, Imports); stay until their events have mailed them, or this
    run's own event delivery would stop first and they would wait for the next `make run`."""
    import boto3

    from chalicelib.core.settings import get_settings
    from chalicelib.imports.domain import IMPORT_PREFIX
    from chalicelib.imports.service import INVITE_MARKER

    settings = get_settings()
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    prefix = f"{IMPORT_PREFIX}{import_id}/{INVITE_MARKER}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not s3.list_objects_v2(Bucket=settings.bucket_name, Prefix=prefix).get("KeyCount", 0):
            print("Invitations: mailed to the customers the import created.")
            return
        time.sleep(POLL_SECONDS)
    print("Invitations: still queued; they go out when the stack runs (make run).")


def _seed_defaults() -> None:
    # The default groups and titles the rows refer to, as `make run` seeds them (idempotent): a
    # data directory the stack never ran on has none, and every row would fail "unknown group".
    from chalicelib import bootstrap

    bootstrap.seed_defaults()


def _resolve_options(args: argparse.Namespace) -> Any:
    """The options the job runs with, resolved as POST /admin/imports resolves them: a saved
    mapping by name, then the options given, checked. Raises: InvalidInputError."""
    from chalicelib.wiring import container

    mappings = container().import_mappings
    return mappings.resolve(args.kind, given_options(args), args.mapping, bool(args.preview))


def _done(job: Any) -> bool:
    from chalicelib.imports.domain import FINISHED

    return job.status in FINISHED or job.status == "previewed"


def _follow_import(services: Any, import_id: str, size: int, stalled: _Stall) -> Any:
    if _interactive():
        return _follow_with_bar(services, import_id, size, stalled)
    return _follow_plain(services, import_id, stalled)


def _interactive() -> bool:
    return sys.stdout.isatty() and not os.environ.get("CI")


def _rates(job: Any, started: float) -> tuple[float, str]:
    """Rows per second, and the time left from the bytes read so far."""
    elapsed = max(time.monotonic() - started, 1e-6)
    rate = job.rows_read / elapsed
    if not job.bytes_read or not job.bytes_total or job.bytes_read >= job.bytes_total:
        return rate, "-"
    left = elapsed * (job.bytes_total - job.bytes_read) / job.bytes_read
    return rate, f"{left:.0f}s"


def _follow_plain(services: Any, import_id: str, stalled: _Stall) -> Any:
    started = time.monotonic()
    deadline = started + FOLLOW_TIMEOUT_SECONDS
    last_line, last_time = "", 0.0
    while True:
        job = services.get(import_id)
        rate, left = _rates(job, started)
        line = (
            f"{job.status} {job.progress * 100:.0f}% rows {job.rows_read} created {job.created} "
            f"updated {job.updated} warnings {sum(w.count for w in job.warnings)} errors {job.failed}"
        )
        now = time.monotonic()
        if line != last_line and (now - last_time >= PLAIN_LINE_SECONDS or _done(job)):
            print(f"{line} {rate:.0f} rows/s left {left}", flush=True)
            last_line, last_time = line, now
        if _done(job) or now > deadline or stalled(job):
            return job
        time.sleep(POLL_SECONDS)


def _follow_with_bar(services: Any, import_id: str, size: int, stalled: _Stall) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.fields[status]}"),
        BarColumn(bar_width=20),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn(
            "{task.fields[rows]} rows · {task.fields[created]} new · {task.fields[updated]} upd · "
            "{task.fields[warnings]} warn · {task.fields[errors]} err · {task.fields[rate]}/s"
        ),
        TimeRemainingColumn(),  # from the bytes read: the file's size is the one total known ahead
    )
    started = time.monotonic()
    deadline = started + FOLLOW_TIMEOUT_SECONDS
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(
            "import",
            total=max(size, 1),
            status="pending",
            rows=0,
            created=0,
            updated=0,
            warnings=0,
            errors=0,
            rate="0",
        )
        while True:
            job = services.get(import_id)
            rate, _ = _rates(job, started)
            progress.update(
                task,
                completed=size if _done(job) else min(job.bytes_read, size),
                status=job.status,
                rows=job.rows_read,
                created=job.created,
                updated=job.updated,
                warnings=sum(w.count for w in job.warnings),
                errors=job.failed,
                rate=f"{rate:.0f}",
            )
            if _done(job) or time.monotonic() > deadline or stalled(job):
                return job
            time.sleep(POLL_SECONDS)


def _import_summary(services: Any, job: Any) -> int:
    from chalicelib.core.settings import get_settings

    print(
        f"Import {job.id}: {job.status} — {job.rows_read} row(s) read, {job.created} created, "
        f"{job.updated} updated, {job.unchanged} unchanged, {job.failed} failed"
    )
    if job.layout:
        print(f"Layout: {job.layout}")
    if job.failure:
        print(f"Failure: {job.failure}")
    if job.warnings:
        print("Warnings:")
        for warning in job.warnings:
            print(f"  {warning.column}: {warning.reason} ({warning.count} row(s))")
    if job.failed or job.report_key:
        errors, cursor = services.errors_page(job.id, ERRORS_SHOWN, None)
        if errors:
            print("Errors:")
            for error in errors:
                print(f"  line {error.line}, {error.column}: {error.reason}")
            if cursor is not None:
                print(f"  … more in the report (GET /admin/imports/{job.id}/errors)")
    if job.status == "previewed":
        rows = services.preview(job)
        if rows:
            print("Preview (as the rows would be stored):")
        for row in rows or ():
            shown = ", ".join(f"{k}={v}" for k, v in row.values.items() if v not in (None, ""))
            print(f"  line {row.line} {row.action}: {shown}")
            for error in row.errors:
                print(f"    {error.column}: {error.reason}")
        print(f"Nothing was written. Run it with POST /admin/imports/{job.id}/apply.")
    if job.report_key:
        print(f"Report: s3://{get_settings().bucket_name}/{job.report_key}")
        url = services.report_url(job)
        if url:
            print(f"Report URL: {url}")
    if not _done(job):
        print("The import did not finish: its handler failed (see the log above); nothing was rolled back.")
    if job.status in ("failed", "completed_with_errors") or not _done(job):
        return EXIT_FAILED
    return 0


# -- export -----------------------------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    import requests

    from chalicelib.imports.schemas import ExportParams
    from chalicelib.wiring import container
    from devtools.environment import resolve_data_dir

    query: dict[str, Any] = {"format": args.format} if args.format else {}
    try:
        params = ExportParams.model_validate(query)
    except ValueError:
        print("error: --format takes clientele, prestashop-import, prestashop8 or shopify", file=sys.stderr)
        return EXIT_USAGE
    services = container().imports
    _seed_defaults()
    with event_delivery(args.project_dir, resolve_data_dir()) as delivery:
        job = services.start_export(params, params.format)
        print(f"Export {job.id}: customers to {args.file}")
        if delivery is not None:
            delivery.start()
        job, url = _follow_export(services, job.id, _Stall(delivery))
    if job.status != "completed" or url is None:
        print(f"Export {job.id}: {job.status}" + (f" — {job.failure}" if job.failure else ""))
        return EXIT_FAILED
    with requests.get(url, stream=True, timeout=300) as response:
        if response.status_code != 200:
            print(f"error: the export could not be downloaded (HTTP {response.status_code})", file=sys.stderr)
            return EXIT_FAILED
        with args.file.open("wb") as out:
            for chunk in response.iter_content(1 << 16):
                out.write(chunk)
    print(f"Export {job.id}: completed — {job.rows} customer(s) written to {args.file}")
    if job.key:
        from chalicelib.core.settings import get_settings

        print(f"Export file: s3://{get_settings().bucket_name}/{job.key}")
    return 0


def _follow_export(services: Any, export_id: str, stalled: _Stall) -> tuple[Any, str | None]:
    started = time.monotonic()
    deadline = started + FOLLOW_TIMEOUT_SECONDS
    interactive = _interactive()
    status = ""
    if interactive:
        from rich.console import Console

        console = Console()
        with console.status("export pending") as spinner:
            while True:
                job, url = services.export_job(export_id)
                spinner.update(f"export {job.status} · {job.rows} row(s) · {time.monotonic() - started:.0f}s")
                if job.status in ("completed", "failed") or time.monotonic() > deadline or stalled(job):
                    return job, url
                time.sleep(POLL_SECONDS)
    while True:
        job, url = services.export_job(export_id)
        if job.status != status:
            print(f"{job.status} rows {job.rows} {time.monotonic() - started:.0f}s", flush=True)
            status = job.status
        if job.status in ("completed", "failed") or time.monotonic() > deadline or stalled(job):
            return job, url
        time.sleep(POLL_SECONDS)
