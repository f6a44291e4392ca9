"""The FileStore port: the in-memory fake and S3FileStore (moto) must agree."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import NotFoundError
from chalicelib.core.files import FileStore, S3FileStore
from chalicelib.core.settings import get_settings
from tests.fakes.files import MemoryFileStore


@pytest.fixture(params=["memory", "s3"])
def files(request: pytest.FixtureRequest) -> Iterator[FileStore]:
    if request.param == "memory":
        yield MemoryFileStore()
        return
    with mock_aws():
        bootstrap.ensure_bucket()
        yield S3FileStore(get_settings())


def read(files: FileStore, key: str) -> tuple[bytes, int, str]:
    body, size, etag = files.open(key)
    return body.read(), size, etag


def test_put_then_open_gives_the_bytes_their_size_and_md5_etag(files: FileStore) -> None:
    data = "Prénom;Nom\r\nAna;Berg\r\n".encode()
    files.put("imports/01A/source.csv", data, "text/csv")

    assert read(files, "imports/01A/source.csv") == (
        data,
        len(data),
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
    )


def test_put_replaces_an_object(files: FileStore) -> None:
    files.put("a/one", b"first", "text/plain")
    files.put("a/one", b"second", "text/plain")

    assert read(files, "a/one")[0] == b"second"


def test_opening_a_missing_object_is_not_found(files: FileStore) -> None:
    with pytest.raises(NotFoundError):
        files.open("nothing/here")


def test_delete_prefix_deletes_up_to_the_limit_under_the_prefix_only(files: FileStore) -> None:
    for name in ("a", "b", "c"):
        files.put(f"attachments/01T/{name}", b"x", "application/octet-stream")
    files.put("attachments/01U/a", b"y", "application/octet-stream")

    assert files.delete_prefix("attachments/01T/", limit=2) == 2
    assert files.delete_prefix("attachments/01T/") == 1
    assert files.delete_prefix("attachments/01T/") == 0
    assert read(files, "attachments/01U/a")[0] == b"y"


def test_delete_keys_counts_the_distinct_keys_asked_for_and_ignores_missing_ones(files: FileStore) -> None:
    files.put("raw/1", b"1", "message/rfc822")
    files.put("raw/2", b"2", "message/rfc822")

    assert files.delete_keys(["raw/1", "raw/1", "", "raw/missing"]) == 2
    assert files.delete_keys([]) == 0
    with pytest.raises(NotFoundError):
        files.open("raw/1")
    assert read(files, "raw/2")[0] == b"2"


def test_presigned_urls_name_the_object(files: FileStore) -> None:
    upload = files.upload_url("imports/01A/source.csv", timedelta(minutes=15))
    download = files.download_url("exports/01B/customers.csv", timedelta(minutes=5), "customers.csv")

    assert "imports/01A/source.csv" in upload
    assert "exports/01B/customers.csv" in download
