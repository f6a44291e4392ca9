"""Embedded moto whose DynamoDB table and S3 bucket survive a restart (and a kill -9).

moto keeps everything in memory and has no snapshot option, so state is kept in two files in the
data directory:

- `snapshot.jsonl` (devtools.snapshot): every item of the app table and every object of the app
  bucket, written atomically at start-up and at shutdown.
- `moto-recording.jsonl` (devtools.recording): moto's request recorder, on from the end of start-up
  until shutdown, so every write made after the snapshot is on disk the moment moto receives it.
  The snapshot alone would lose those writes whenever the process dies without its shutdown
  snapshot (kill -9, a crash); the recording is what the next start replays to get them back.

Start: restore the snapshot, replay the part of the recording the snapshot doesn't cover, write a
fresh snapshot, reset the recording, start recording. Stop: stop recording, snapshot, reset. A crash
anywhere in between leaves a snapshot and a recording that together hold every write.

`LocalAws` is the one place that does this; the local stack and the CLI both use it. The data
directory's lock and stack file are devtools.stack_lock; the server itself devtools.moto_server.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import boto3

from devtools.environment import (
    LOCAL_HOST,
    LOCAL_REGION,
    LocalStackError,
    moto_endpoint,
    prepare_environment,
    recording_path,
)
from devtools.moto_server import MotoServer, check_port_free
from devtools.recording import MotoAdmin, RecordingMark, install_recorder, pending_recording
from devtools.snapshot import SNAPSHOT_FILE, SnapshotStats, restore_snapshot, write_snapshot
from devtools.stack_lock import (
    STACK_FILE,
    DataDirLock,
    StackInfo,
    read_stack_file,
    remove_stack_file,
    wait_for_running_stack,
    write_stack_file,
)

log = logging.getLogger("devtools.local_aws")


class LocalAws:
    """moto on 127.0.0.1 with the app's table and bucket, persisted in `data_dir`.

    `port=0` picks a free port (the CLI when no stack is running). The lock on the data directory
    is taken in start() unless the caller passes one it already holds.
    """

    def __init__(self, data_dir: Path, port: int = 0, lock: DataDirLock | None = None) -> None:
        self.data_dir = data_dir
        self._requested_port = port
        self._lock = lock or DataDirLock(data_dir)
        self._server: MotoServer | None = None
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
        from devtools import moto_keyed_queries, moto_transactions

        # Transactions would otherwise copy the whole table per item, and every Query sort the
        # whole table: slow as local data grows.
        moto_transactions.install()
        moto_keyed_queries.install()
        if self._requested_port:
            check_port_free(self._requested_port, "embedded AWS (moto)", "MOTO_PORT")
        # The recording location must be right before the first request reaches moto.
        install_recorder(recording_path(self.data_dir))
        # werkzeug's access log would print S3 keys and presigned-URL signatures.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = MotoServer(LOCAL_HOST, self._requested_port, verbose=False)
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
