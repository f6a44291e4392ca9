"""Which process owns a local data directory: the `stack.lock` flock and the `stack.json` file.

One moto per data directory (two would replay and snapshot the same files over each other's
writes). The stack holding the lock publishes its endpoints in `stack.json`, so the CLI and a
second `make run` find it instead of starting their own. No moto here: the CLI reads the stack
file before it knows whether it needs one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from devtools.environment import LocalStackError, atomic_write

STACK_FILE = "stack.json"
LOCK_FILE = "stack.lock"


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
