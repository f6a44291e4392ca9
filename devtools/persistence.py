"""Embedded moto whose DynamoDB table and S3 bucket survive a restart (and a kill -9).

moto keeps everything in memory and has no snapshot flag, so state is kept in two files in the
data directory:

- `snapshot.jsonl`: every item of the app table (raw low-level attribute values) and every object
  of the app bucket, written atomically (temp file + os.replace) at start-up and at shutdown.
- `moto-recording.jsonl`: moto's request recorder, on from the end of start-up until shutdown, so
  every write made after the snapshot is on disk the moment moto receives it.

Start: restore the snapshot, replay the part of the recording the snapshot doesn't cover, write a
fresh snapshot, reset the recording, start recording. Stop: stop recording, snapshot, reset. A crash
anywhere in between leaves a snapshot and a recording that together hold every write.

`LocalAws` is the one place that does this; the local stack and the CLI both use it.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import boto3
import requests
from moto.server import ThreadedMotoServer

from devtools.environment import (
    LOCAL_HOST,
    LOCAL_REGION,
    LocalStackError,
    atomic_write,
    moto_endpoint,
    prepare_environment,
    recording_path,
)

log = logging.getLogger("devtools.persistence")

SNAPSHOT_FILE = "snapshot.jsonl"
STACK_FILE = "stack.json"
LOCK_FILE = "stack.lock"
SNAPSHOT_FORMAT = 1
# DynamoDB's BatchWriteItem limit.
BATCH_WRITE_LIMIT = 25
ADMIN_TIMEOUT_SECONDS = 30.0
SERVER_START_TIMEOUT_SECONDS = 10.0

# Requests that change nothing are not recorded: the event runner lists the bucket every second
# and the app reads far more than it writes, so recording them would grow the file without end.
_DYNAMODB_READ_OPERATIONS = frozenset(
    {
        "BatchGetItem",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeLimits",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# --------------------------------------------------------------------------------------------
# Which process owns a data directory


@dataclass(frozen=True)
class StackInfo:
    """What `stack.json` tells other processes about the stack using a data directory."""

    pid: int
    moto_endpoint: str
    api_url: str | None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_stack_file(data_dir: Path) -> StackInfo | None:
    try:
        raw = json.loads((data_dir / STACK_FILE).read_text())
        return StackInfo(
            pid=int(raw["pid"]), moto_endpoint=str(raw["moto_endpoint"]), api_url=raw.get("api_url")
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_stack_file(data_dir: Path, info: StackInfo) -> None:
    atomic_write(data_dir / STACK_FILE, json.dumps(asdict(info), indent=2).encode() + b"\n")


def remove_stack_file(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / STACK_FILE).unlink()


class DataDirLock:
    """An flock on `stack.lock`: one moto per data directory.

    Two mocks replaying and snapshotting the same files would overwrite each other's writes. An
    flock (not just the pid in stack.json) is released by the kernel on kill -9 and can't be fooled
    by a recycled pid.
    """

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def wait_for_running_stack(data_dir: Path, timeout: float = 15.0) -> StackInfo:
    """The stack holding the lock on `data_dir`, once it has published its endpoint.

    Raises: LocalStackError when it doesn't publish within `timeout` (still starting, or wedged).
    """
    deadline = time.monotonic() + timeout
    while True:
        info = read_stack_file(data_dir)
        if info is not None and pid_alive(info.pid):
            return info
        if time.monotonic() >= deadline:
            raise LocalStackError(
                f"another process holds {data_dir / LOCK_FILE} but has not published "
                f"{STACK_FILE}; wait for it to finish starting or stop it"
            )
        time.sleep(0.1)


# --------------------------------------------------------------------------------------------
# moto's request recorder


def _is_read_only(request: Any) -> bool:
    if request.method in _READ_METHODS:
        return True
    target = request.headers.get("X-Amz-Target", "")
    service, _, operation = target.partition(".")
    return service.startswith("DynamoDB_") and operation in _DYNAMODB_READ_OPERATIONS


def install_recorder(path: Path) -> None:
    """Point moto's in-process recorder at `path` and make it skip reads and keep whole lines.

    moto reads MOTO_RECORDER_FILEPATH once, when it is first imported, so a second data directory in
    the same process (tests) needs the location set here. Wrapping `_record_request` also:
    - skips read-only requests (see _DYNAMODB_READ_OPERATIONS);
    - skips /moto-api/ calls, so an admin reset is never replayed onto restored data;
    - serialises writers: moto writes a line with two unlocked write() calls, and concurrent
      request threads could interleave them;
    - records chunked uploads (Transfer-Encoding: chunked, no Content-Length), whose body moto
      records as empty — a replay would then restore an empty object.
    """
    from moto.moto_api import recorder

    # Created here with 0600 (the recording holds customer data); moto then only appends.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    recorder._location = str(path)
    original = getattr(recorder, "_clientele_original", None) or recorder._record_request
    lock = threading.Lock()

    def record(request: Any, body: bytes | None = None) -> None:
        if not recorder._user_enabled:
            return
        if request.raw_path.startswith("/moto-api/") or _is_read_only(request):
            return
        if body is None and "Content-Length" not in request.headers:
            body = _read_chunked_body(request)
        with lock:
            original(request, body)

    recorder._clientele_original = original  # type: ignore[attr-defined]
    recorder._record_request = record  # type: ignore[method-assign]


def _read_chunked_body(request: Any) -> bytes | None:
    if request.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return None
    # werkzeug has already de-chunked wsgi.input; put a re-readable copy back for moto.
    body: bytes = request.environ["wsgi.input"].read()
    request.environ["wsgi.input"] = io.BytesIO(body)
    return body


class MotoAdmin:
    """moto's /moto-api/ endpoints over HTTP (the recorder singleton lives in the server)."""

    def __init__(self, endpoint: str) -> None:
        self._endpoint = endpoint

    def _post(self, path: str, timeout: float | None = ADMIN_TIMEOUT_SECONDS) -> None:
        response = requests.post(f"{self._endpoint}/moto-api/{path}", timeout=timeout)
        response.raise_for_status()

    def start_recording(self) -> None:
        self._post("recorder/start-recording")

    def stop_recording(self) -> None:
        self._post("recorder/stop-recording")

    def reset_recording(self) -> None:
        self._post("recorder/reset-recording")

    def replay_recording(self) -> None:
        # Replaying runs every recorded request inside this one call: no useful upper bound.
        self._post("recorder/replay-recording", timeout=None)

    def reset_state(self) -> None:
        self._post("reset")


@dataclass(frozen=True)
class RecordingMark:
    """The prefix of the recording a snapshot already contains (by length and hash)."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> RecordingMark:
        return cls(size=len(data), sha256=hashlib.sha256(data).hexdigest())


def pending_recording(recording: bytes, mark: RecordingMark | None) -> tuple[bytes, int]:
    """The recorded requests a snapshot with `mark` does not contain, and how many lines were bad.

    The prefix check covers a crash between "snapshot written" and "recording reset": replaying
    those requests again would apply non-idempotent updates (ADD, list_append) twice. A torn last
    line (kill -9 mid-write) is dropped instead of failing the whole replay.
    """
    if (
        mark is not None
        and len(recording) >= mark.size
        and hashlib.sha256(recording[: mark.size]).hexdigest() == mark.sha256
    ):
        recording = recording[mark.size :]
    kept: list[bytes] = []
    dropped = 0
    for line in recording.splitlines():
        if not line.strip():
            continue
        try:
            json.loads(line)
        except ValueError:
            dropped += 1
            continue
        kept.append(line)
    return b"".join(line + b"\n" for line in kept), dropped


# --------------------------------------------------------------------------------------------
# Snapshot


@dataclass(frozen=True)
class SnapshotStats:
    items: int
    objects: int


# Object headers worth keeping besides the body; GetObject names them the same as PutObject.
_OBJECT_FIELDS = ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding")


def _encode_binary(value: Any) -> Any:
    """Low-level attribute values → JSON: B/BS as base64, exactly as DynamoDB's wire format."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {key: _encode_binary(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode_binary(item) for item in value]
    return value


def _decode_binary(value: Any, type_key: str | None = None) -> Any:
    """The inverse of `_encode_binary`; only values under a `B`/`BS` type key are base64."""
    if type_key == "B" and isinstance(value, str):
        return base64.b64decode(value)
    if type_key == "BS" and isinstance(value, list):
        return [base64.b64decode(item) for item in value]
    if isinstance(value, dict):
        return {key: _decode_binary(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_binary(item) for item in value]
    return value


def _scan_items(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    # A Scan is fine here: this is dev tooling run at start/stop, never a request path.
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


def _bucket_objects(s3: Any, bucket: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for summary in page.get("Contents", []):
            response = s3.get_object(Bucket=bucket, Key=summary["Key"])
            record: dict[str, Any] = {
                "kind": "object",
                "key": summary["Key"],
                "body": base64.b64encode(response["Body"].read()).decode("ascii"),
                "metadata": response.get("Metadata", {}),
            }
            record.update({field: response[field] for field in _OBJECT_FIELDS if field in response})
            yield record


def write_snapshot(
    path: Path, dynamodb: Any, s3: Any, table: str, bucket: str, covers: RecordingMark
) -> SnapshotStats:
    """Write every table item and bucket object to `path` atomically."""
    header = {
        "kind": "header",
        "format": SNAPSHOT_FORMAT,
        "table": table,
        "bucket": bucket,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recording": asdict(covers),
    }
    items = objects = 0
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # 0600: the snapshot holds customer data.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(header) + "\n")
            for item in _scan_items(dynamodb, table):
                handle.write(json.dumps({"kind": "item", "item": _encode_binary(item)}) + "\n")
                items += 1
            for record in _bucket_objects(s3, bucket):
                handle.write(json.dumps(record) + "\n")
                objects += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return SnapshotStats(items=items, objects=objects)


def restore_snapshot(
    path: Path, dynamodb: Any, s3: Any, table: str, bucket: str
) -> tuple[SnapshotStats, RecordingMark | None]:
    """Load a snapshot into an empty moto. Returns what it loaded and the recording it covers."""
    if not path.exists():
        return SnapshotStats(items=0, objects=0), None
    mark: RecordingMark | None = None
    batch: list[dict[str, Any]] = []
    items = objects = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            kind = record.get("kind")
            if kind == "header":
                if record.get("format") != SNAPSHOT_FORMAT:
                    raise LocalStackError(f"{path} has an unknown format; move it away to start")
                mark = RecordingMark(**record["recording"])
            elif kind == "item":
                batch.append({"PutRequest": {"Item": _decode_binary(record["item"])}})
                items += 1
                if len(batch) == BATCH_WRITE_LIMIT:
                    _batch_write(dynamodb, table, batch)
                    batch = []
            elif kind == "object":
                _put_object(s3, bucket, record)
                objects += 1
    if batch:
        _batch_write(dynamodb, table, batch)
    return SnapshotStats(items=items, objects=objects), mark


def _batch_write(dynamodb: Any, table: str, requests_: list[dict[str, Any]]) -> None:
    pending: dict[str, list[dict[str, Any]]] = {table: requests_}
    for attempt in range(8):
        response = dynamodb.batch_write_item(RequestItems=pending)
        pending = response.get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(min(0.05 * 2**attempt, 1.0))
    raise LocalStackError("DynamoDB kept returning UnprocessedItems while restoring the snapshot")


def _put_object(s3: Any, bucket: str, record: dict[str, Any]) -> None:
    extra = {field: record[field] for field in _OBJECT_FIELDS if record.get(field)}
    s3.put_object(
        Bucket=bucket,
        Key=record["key"],
        Body=base64.b64decode(record["body"]),
        Metadata=record.get("metadata") or {},
        **extra,
    )


# --------------------------------------------------------------------------------------------
# The embedded moto with its persistence


def check_port_free(port: int, what: str, variable: str) -> None:
    """Fail with a message a person can act on instead of a bind traceback in a thread."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCAL_HOST, port))
        except OSError:
            raise LocalStackError(
                f"port {port} on {LOCAL_HOST} is already in use, so the {what} can't start; "
                f"stop whatever uses it or set {variable} to another port"
            ) from None


class _MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose start() raises when it can't bind instead of waiting forever,
    and whose S3 takes any upload (see devtools.moto_uploads).

    (werkzeug calls sys.exit() inside the server thread when the port is taken, so moto's own
    start() would block on its ready event for good.)
    """

    def _server_entry(self) -> None:
        # moto's own _server_entry, with the dispatcher that takes any PUT body as it is.
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        from devtools.moto_uploads import RawUploadDispatcher

        self._server = make_server(
            self._ip_address, self._port, RawUploadDispatcher(), True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server_entry, daemon=True, name="moto")
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while not self._server_ready_event.wait(0.02):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise LocalStackError(f"moto could not listen on {LOCAL_HOST}:{self._port}")


class LocalAws:
    """moto on 127.0.0.1 with the app's table and bucket, persisted in `data_dir`.

    `port=0` picks a free port (the CLI when no stack is running). The lock on the data directory
    is taken in start() unless the caller passes one it already holds.
    """

    def __init__(self, data_dir: Path, port: int = 0, lock: DataDirLock | None = None) -> None:
        self.data_dir = data_dir
        self._requested_port = port
        self._lock = lock or DataDirLock(data_dir)
        self._server: _MotoServer | None = None
        self._recording = False
        self.port: int | None = None
        self.restored = SnapshotStats(items=0, objects=0)
        self.replayed_lines = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise RuntimeError("LocalAws is not started")
        return moto_endpoint(self.port)

    @property
    def snapshot_path(self) -> Path:
        return self.data_dir / SNAPSHOT_FILE

    def start(self) -> LocalAws:
        if not self._lock.try_acquire():
            info = read_stack_file(self.data_dir)
            where = f" (pid {info.pid}, {info.api_url or info.moto_endpoint})" if info else ""
            raise LocalStackError(
                f"a local stack is already running on {self.data_dir}{where}; stop it first or "
                "use another CLIENTELE_DATA_DIR"
            )
        try:
            self._start_server()
            self._load_state()
        except BaseException:
            self._teardown()
            raise
        return self

    def _start_server(self) -> None:
        from devtools import moto_transactions

        # Transactions would otherwise copy the whole table per item: slow as local data grows.
        moto_transactions.install()
        if self._requested_port:
            check_port_free(self._requested_port, "embedded AWS (moto)", "MOTO_PORT")
        # The recording location must be right before the first request reaches moto.
        install_recorder(recording_path(self.data_dir))
        # werkzeug's access log would print S3 keys and presigned-URL signatures.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = _MotoServer(LOCAL_HOST, self._requested_port, verbose=False)
        server.start()
        self._server = server
        self.port = server.get_host_and_port()[1]
        prepare_environment(self.data_dir, self.port)

    def _load_state(self) -> None:
        admin = MotoAdmin(self.endpoint)
        # A moto in this process may hold state from an earlier LocalAws (tests): start clean.
        admin.reset_state()
        admin.stop_recording()
        bootstrap = _bootstrap()
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        table, bucket = _names()
        self.restored, mark = restore_snapshot(
            self.snapshot_path, self._dynamodb(), self._s3(), table, bucket
        )
        self._replay(admin, mark)
        self._snapshot_and_reset(admin)
        admin.start_recording()
        self._recording = True

    def _replay(self, admin: MotoAdmin, mark: RecordingMark | None) -> None:
        path = recording_path(self.data_dir)
        if not path.exists() or path.stat().st_size == 0:
            return
        pending, dropped = pending_recording(path.read_bytes(), mark)
        if dropped:
            log.warning("dropped %d unreadable recording line(s) (torn write?)", dropped)
        if not pending:
            return
        # Moto replays whatever is in its recording file; hand it only what the snapshot lacks.
        path.write_bytes(pending)
        self.replayed_lines = pending.count(b"\n")
        admin.replay_recording()

    def _snapshot_and_reset(self, admin: MotoAdmin) -> SnapshotStats:
        path = recording_path(self.data_dir)
        covered = path.read_bytes() if path.exists() else b""
        table, bucket = _names()
        stats = write_snapshot(
            self.snapshot_path,
            self._dynamodb(),
            self._s3(),
            table,
            bucket,
            RecordingMark.of(covered),
        )
        admin.reset_recording()
        return stats

    def publish(self, api_url: str | None) -> None:
        """Write stack.json so the CLI (and a second `make run`) can find this moto."""
        write_stack_file(
            self.data_dir, StackInfo(pid=os.getpid(), moto_endpoint=self.endpoint, api_url=api_url)
        )

    def stop(self, snapshot: bool = True) -> SnapshotStats | None:
        """Stop recording, snapshot (unless told not to), reset the recording, stop moto."""
        stats: SnapshotStats | None = None
        try:
            if self._server is not None and self._recording:
                admin = MotoAdmin(self.endpoint)
                admin.stop_recording()
                self._recording = False
                if snapshot:
                    stats = self._snapshot_and_reset(admin)
        finally:
            self._teardown()
        return stats

    def _teardown(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                # Recording off before the singleton outlives this server (tests, CLI).
                from moto.moto_api import recorder

                recorder.stop_recording()
            self._server.stop()
            self._server = None
        if self._lock.held:
            info = read_stack_file(self.data_dir)
            if info is not None and info.pid == os.getpid():
                remove_stack_file(self.data_dir)
            self._lock.release()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clients -------------------------------------------------------------------------------

    def _dynamodb(self) -> Any:
        return boto3.client("dynamodb", region_name=LOCAL_REGION, endpoint_url=self.endpoint)

    def _s3(self) -> Any:
        return boto3.client("s3", region_name=LOCAL_REGION, endpoint_url=self.endpoint)


@contextlib.contextmanager
def use_local_aws(data_dir: Path) -> Iterator[str]:
    """The local AWS for `data_dir`, for a one-off command (the CLI). Yields the moto endpoint.

    When a stack runs on `data_dir`, its moto is used (its recorder captures the writes).
    Otherwise an embedded moto on a free port loads the same snapshot and recording, records, and
    snapshots on exit, so the data is the same either way. The environment is prepared in both
    cases before the caller imports chalicelib.
    """
    lock = DataDirLock(data_dir)
    if not lock.try_acquire():
        info = wait_for_running_stack(data_dir)
        port = urlsplit(info.moto_endpoint).port
        if port is None:
            raise LocalStackError(f"{data_dir / STACK_FILE} has no port in its moto endpoint")
        prepare_environment(data_dir, port)
        yield info.moto_endpoint
        return
    aws = LocalAws(data_dir, 0, lock=lock)
    aws.start()
    try:
        # Another CLI started meanwhile finds this moto rather than waiting for the lock.
        aws.publish(None)
        yield aws.endpoint
    finally:
        aws.stop()


def _bootstrap() -> Any:
    # Imported late on purpose: chalicelib reads the environment prepared above at import time.
    from chalicelib import bootstrap

    return bootstrap


def _names() -> tuple[str, str]:
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    return settings.table_name, settings.bucket_name
