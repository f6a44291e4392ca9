"""The password chunks' state (issue 17 §4): the fake and DynamoDB follow one contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import ConflictError
from chalicelib.imports.password_chunks import (
    DynamoPasswordChunkRepository,
    MemoryPasswordChunkRepository,
    PasswordChunk,
    PasswordChunkRepository,
    PasswordProgress,
)
from tests.factories import FIXED_NOW


@pytest.fixture(params=["memory", "dynamodb"])
def chunks(request: pytest.FixtureRequest) -> Iterator[PasswordChunkRepository]:
    if request.param == "memory":
        yield MemoryPasswordChunkRepository()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoPasswordChunkRepository()


def test_a_chunk_is_created_once_and_settled_once(chunks: PasswordChunkRepository) -> None:
    first = PasswordChunk("01JOB", "r1", 2, "pending", 200, 1, FIXED_NOW)
    assert chunks.create(first) == first
    # A run that redoes the batch finds the first run's chunk, not a second one.
    assert chunks.create(PasswordChunk("01JOB", "r1", 2, "pending", 150, 1, FIXED_NOW)) == first
    chunks.create(PasswordChunk("01JOB", "r1", 202, "pending", 20, 1, FIXED_NOW))
    chunks.create(PasswordChunk("01OTHER", "r1", 2, "pending", 5, 1, FIXED_NOW))
    assert [c.chunk for c in chunks.pending("01JOB")] == [2, 202]

    assert chunks.settle(first, "done", 199, 0) is True
    assert chunks.settle(first, "done", 199, 0) is False  # a repeated delivery counts nothing
    second = chunks.get("01JOB", "r1", 202)
    assert second is not None and chunks.settle(second, "failed", 0, 20) is True
    assert chunks.progress("01JOB") == PasswordProgress(2, 199, 20)
    assert chunks.progress("01OTHER") == PasswordProgress()
    assert chunks.pending("01JOB") == []
    settled = chunks.get("01JOB", "r1", 2)
    assert settled is not None and settled.state == "done"


def test_a_chunk_is_handed_out_again_by_one_watchdog_run_only(chunks: PasswordChunkRepository) -> None:
    chunk = chunks.create(PasswordChunk("01JOB", "r1", 2, "pending", 200, 1, FIXED_NOW))
    later = FIXED_NOW + timedelta(minutes=16)
    again = chunks.redispatched(chunk, later)
    assert (again.attempts, again.dispatched_at) == (2, later)
    with pytest.raises(ConflictError):
        chunks.redispatched(chunk, later)  # a second run holding the same read
    assert chunks.settle(again, "done", 200, 0)
    with pytest.raises(ConflictError):
        chunks.redispatched(again, later)  # settled meanwhile
