"""In-memory object store (the FileStore port), for unit tests."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import IO

from chalicelib.core.errors import (
    NotFoundError,
)
from chalicelib.core.files import FileStore


class MemoryFileStore:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def open(self, key: str) -> tuple[IO[bytes], int, str]:
        if key not in self.files:
            raise NotFoundError("The file is not in the bucket.")
        data = self.files[key][0]
        return io.BytesIO(data), len(data), hashlib.md5(data, usedforsecurity=False).hexdigest()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def upload_url(self, key: str, expires: timedelta) -> str:
        return f"memory://upload/{key}"

    def download_url(self, key: str, expires: timedelta, filename: str) -> str:
        return f"memory://download/{key}"

    def delete_prefix(self, prefix: str, limit: int = 1000) -> int:
        doomed = [key for key in self.files if key.startswith(prefix)][:limit]
        for key in doomed:
            del self.files[key]
        return len(doomed)

    def delete_keys(self, keys: list[str]) -> int:
        unique = list(dict.fromkeys(k for k in keys if k))
        for key in unique:
            self.files.pop(key, None)
        return len(unique)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryFileStore) -> FileStore:
    return fake
