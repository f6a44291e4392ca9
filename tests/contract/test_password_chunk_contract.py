"""The password chunks' state (issue 17 §4): the fake and DynamoDB follow one contract — a chunk is
created once, settled once (its counts added to the job's progress at once), handed out again by one
watchdog run only, and `pending` lists a job's chunks still out in (run, line) order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import ConflictError
from chalicelib.imports.domain import PasswordChunk, PasswordProgress
from chalicelib.imports.password_chunks import DynamoPasswordChunkRepository
from chalicelib.imports.ports import PasswordChunkRepository
from tests.factories import FIXED_NOW
from tests.fakes.imports import MemoryPasswordChunkRepository


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


def test_pending_lists_only_the_jobs_chunks_still_out_in_run_and_line_order(
    chunks: PasswordChunkRepository,
) -> None:
    # Lines 10 and 9 sort as text in the table key ("…#9" > "…#10") unless the key pads them.
    for run, line in (("r2", 1), ("r1", 10), ("r1", 9), ("r1", 200)):
        chunks.create(PasswordChunk("01JOB", run, line, "pending", 3, 1, FIXED_NOW))
    listed = [(c.run, c.chunk) for c in chunks.pending("01JOB")]
    assert listed == [("r1", 9), ("r1", 10), ("r1", 200), ("r2", 1)]
    assert chunks.pending("01NONE") == []
    assert chunks.get("01JOB", "r3", 1) is None


def test_a_missing_chunk_is_neither_settled_nor_handed_out(chunks: PasswordChunkRepository) -> None:
    ghost = PasswordChunk("01JOB", "r1", 2, "pending", 200, 1, FIXED_NOW)
    with pytest.raises(ConflictError):
        chunks.redispatched(ghost, FIXED_NOW)
    assert chunks.settle(ghost, "done", 200, 0) is False
    assert chunks.get("01JOB", "r1", 2) is None
    assert chunks.progress("01JOB") == PasswordProgress()
