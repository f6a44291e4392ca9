"""The state of an import's password chunks (issue 17 §4) in DynamoDB (the fake is in tests/fakes/imports.py).

A chunk's passwords are never here: only its state, its size and when it was last handed out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pynamodb.transactions import TransactWrite

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.errors import ConflictError
from chalicelib.imports.domain import ChunkState, PasswordChunk, PasswordProgress
from chalicelib.models import keys
from chalicelib.models.errors import conditional, dynamo_errors, get_item, run_transaction
from chalicelib.models.imports import ImportPasswordChunkRecord, ImportPasswordProgressRecord


def _chunk(record: ImportPasswordChunkRecord, import_id: str) -> PasswordChunk:
    run, _, line = record.sk.removeprefix(keys.import_password_chunk_prefix()).partition("#")
    return PasswordChunk(
        import_id=import_id,
        run=run,
        chunk=int(line),
        state=record.state,  # type: ignore[arg-type]
        entries=int(record.entries or 0),
        attempts=int(record.attempts or 1),
        dispatched_at=parse_iso(record.dispatched_at),
    )


def _record(chunk: PasswordChunk) -> ImportPasswordChunkRecord:
    return ImportPasswordChunkRecord(
        keys.import_pk(chunk.import_id),
        keys.import_password_chunk_sk(chunk.run, chunk.chunk),
        state=chunk.state,
        entries=chunk.entries,
        attempts=chunk.attempts,
        dispatched_at=iso(chunk.dispatched_at),
    )


class DynamoPasswordChunkRepository:
    def create(self, chunk: PasswordChunk) -> PasswordChunk:
        with dynamo_errors(), conditional() as outcome:
            _record(chunk).save(condition=ImportPasswordChunkRecord.pk.does_not_exist())
        if outcome.passed:
            return chunk
        return self.get(chunk.import_id, chunk.run, chunk.chunk) or chunk

    def get(self, import_id: str, run: str, chunk: int) -> PasswordChunk | None:
        record = get_item(
            ImportPasswordChunkRecord, keys.import_pk(import_id), keys.import_password_chunk_sk(run, chunk)
        )
        return _chunk(record, import_id) if record is not None else None

    def pending(self, import_id: str) -> list[PasswordChunk]:
        with dynamo_errors():
            records = ImportPasswordChunkRecord.query(
                keys.import_pk(import_id),
                ImportPasswordChunkRecord.sk.startswith(keys.import_password_chunk_prefix()),
                filter_condition=ImportPasswordChunkRecord.state == "pending",
            )
            return [_chunk(r, import_id) for r in records]

    def redispatched(self, chunk: PasswordChunk, at: datetime) -> PasswordChunk:
        record = _record(chunk)
        with dynamo_errors(), conditional() as outcome:
            record.update(
                actions=[
                    ImportPasswordChunkRecord.attempts.set(chunk.attempts + 1),
                    ImportPasswordChunkRecord.dispatched_at.set(iso(at)),
                ],
                condition=(ImportPasswordChunkRecord.state == "pending")
                & (ImportPasswordChunkRecord.attempts == chunk.attempts),
            )
        if not outcome.passed:
            raise ConflictError("The password chunk was handed out or settled by another run.")
        return replace(chunk, attempts=chunk.attempts + 1, dispatched_at=at)

    def settle(self, chunk: PasswordChunk, state: ChunkState, hashed: int, failed: int) -> bool:
        record = _record(chunk)
        progress = ImportPasswordProgressRecord(keys.import_pk(chunk.import_id), keys.IMPORT_PASSWORDS)
        settled = True

        def build(transaction: TransactWrite) -> None:
            transaction.update(
                record,
                actions=[ImportPasswordChunkRecord.state.set(state)],
                condition=ImportPasswordChunkRecord.state == "pending",
            )
            transaction.update(
                progress,
                actions=[
                    ImportPasswordProgressRecord.chunks_done.add(1),
                    ImportPasswordProgressRecord.passwords_hashed.add(hashed),
                    ImportPasswordProgressRecord.passwords_failed.add(failed),
                    ImportPasswordProgressRecord.entity_type.set(ImportPasswordProgressRecord),
                ],
            )

        def already(_codes: list[str]) -> Exception:
            return ConflictError("settled before")

        try:
            run_transaction(build, already)
        except ConflictError:
            settled = False
        return settled

    def progress(self, import_id: str) -> PasswordProgress:
        record = get_item(ImportPasswordProgressRecord, keys.import_pk(import_id), keys.IMPORT_PASSWORDS)
        if record is None:
            return PasswordProgress()
        return PasswordProgress(
            int(record.chunks_done or 0), int(record.passwords_hashed or 0), int(record.passwords_failed or 0)
        )
