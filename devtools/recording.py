"""moto's request recorder, made a write-ahead log of the local table and bucket.

Why a recording at all: moto keeps everything in memory and has no persistence of its own, and the
snapshot (devtools.snapshot) is a full copy of the table and the bucket, written only at start and
at a clean stop — far too slow to write after every request. Alone it would lose every write made
since the stack started whenever the process dies without its shutdown (kill -9, a crash, a laptop
losing power). moto's recorder appends each request to a file *before* moto executes it, so every
write moto has received is on disk; the next start replays the part of the recording the snapshot
does not already contain (`pending_recording`), then takes a fresh snapshot and empties the
recording, which therefore never grows beyond one session's writes.

moto's recorder is meant for "record a setup once, replay it elsewhere"; `install_recorder` adapts
it to this use (reads skipped, whole lines, chunked uploads kept) and `MotoAdmin` drives it, over
HTTP, in the server that owns the recorder singleton.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ADMIN_TIMEOUT_SECONDS = 30.0

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
