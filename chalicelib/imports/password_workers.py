"""Plaintext passwords of an import, hashed by parallel workers (issue 17 §4).

Hashing one password with argon2id costs ~0.15 s of CPU, so a 50,000-row file with passwords
would keep one import run busy for two hours. The run that reads the file therefore writes every
row at full speed WITHOUT hashing: a customer whose row carries a plaintext password is stored
with `password_pending = "<import id>:<run>:<line>"` and no new hash, and each batch's (customer id,
line, plaintext) triples go, `CHUNK_SIZE` at a time, to a short-lived S3 object
`import-passwords/<import id>/<run>-<first line>.json` (the bucket's SSE; never in DynamoDB, never
logged). Its "Object Created" event runs `import_password_chunk`, a Lambda with reserved
concurrency `WORKER_CONCURRENCY`: that is the bound on the fan-out.

A worker hashes each password and writes it only while the customer still carries the marker the
chunk names (any other password change clears it), version-checked, and clears the marker: a
chunk delivered twice, or late, changes nothing the second time and never overwrites a password
set since. Each chunk has a state item (pending → done|failed, once, in the same transaction as
the job's progress counters), the job is not reported finished until every chunk is settled, and
the import watchdog hands out again a chunk that has been out too long (a worker that died), up to
`MAX_CHUNK_ATTEMPTS`. The chunk's object is deleted once it is settled; a lifecycle rule expires
anything left under the prefix after a day.

Chunks live under their own prefix, not under `imports/`: the import function's event rule
matches all of `imports/`, and the workers need not read merchants' uploaded files.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import timedelta

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.errors import ConflictError, NotFoundError, ServiceUnavailableError
from chalicelib.core.files import FileStore
from chalicelib.core.observability import logger
from chalicelib.core.passwords import hash_password, verify_password
from chalicelib.customers.ports import CustomerRepository
from chalicelib.imports.domain import (
    PASSWORD_CHUNK_PREFIX,
    ImportJob,
    ImportStatus,
    ImportWarning,
    PasswordChunk,
)
from chalicelib.imports.ports import ImportRepository, PasswordChunkRepository

# Reserved concurrency of the worker function (infra/stack.py): the fan-out's bound. Measured
# (make bench: ~0.23 s of CPU per argon2id hash, one vCPU per worker at 1,769 MB), 32 workers hash
# 50,000 passwords in ~6 minutes, well within 15 even on a CPU half as fast, and leave the
# account's default 1,000 concurrent executions to the API.
WORKER_CONCURRENCY = 32
# Passwords per chunk: 200 x ~0.23 s = ~46 s of hashing, under a sixth of the worker's 300 s
# timeout (.chalice/config.json), so a slow start or a verify-then-hash row never times a chunk
# out.
CHUNK_SIZE = 200
WORKER_TIMEOUT_SECONDS = 300
# A chunk still pending this long after it was handed out lost its worker (async retries
# exhausted, a crash): the watchdog hands it out again, at most this many times in all.
REDISPATCH_AFTER = timedelta(minutes=15)
MAX_CHUNK_ATTEMPTS = 3
_KEY = re.compile(r"import-passwords/([A-Za-z0-9_-]{1,64})/([0-9a-f]{1,16})-(\d{10})\.json")
_GAVE_UP = "could not be hashed: these customers sign in after choosing a new password (forgot password)"
Hasher = Callable[[str], str]
Verifier = Callable[[str | None, str], bool]


@dataclass(frozen=True)
class PasswordEntry:
    line: int
    customer_id: str
    password: str


def run_tag(source_etag: str | None) -> str:
    """The run's tag in chunk ids and markers: a file uploaded again with other content under
    the same job is another run, and its rows' chunks are not the settled ones of the first."""
    return hashlib.sha256((source_etag or "inline").encode()).hexdigest()[:8]


def pending_marker(import_id: str, run: str, line: int) -> str:
    return f"{import_id}:{run}:{line}"


def chunk_key(import_id: str, run: str, chunk: int) -> str:
    return f"{PASSWORD_CHUNK_PREFIX}{import_id}/{run}-{chunk:010d}.json"


@dataclass(frozen=True, slots=True)
class ImportPasswordWorkers:
    chunks: PasswordChunkRepository
    files: FileStore
    customers: CustomerRepository
    jobs: ImportRepository
    clock: Clock = utc_now
    _: KW_ONLY
    hasher: Hasher = hash_password
    verifier: Verifier = verify_password
    chunk_size: int = CHUNK_SIZE

    # -- the run that reads the file ------------------------------------------------------------
    def dispatch(self, import_id: str, run: str, entries: list[PasswordEntry]) -> int:
        """Hand one batch's passwords to the workers; returns how many chunks they make.

        Called after the batch's customers are written (their markers are stored), before the
        job's checkpoint: a run that dies in between redoes the batch, and its chunks (same first
        line, same key) are not created twice. Raises: ServiceUnavailableError (S3 down)."""
        ordered = sorted(entries, key=lambda e: e.line)
        count = 0
        for start in range(0, len(ordered), self.chunk_size):
            part = ordered[start : start + self.chunk_size]
            stored = self.chunks.create(
                PasswordChunk(import_id, run, part[0].line, "pending", len(part), 1, self.clock())
            )
            count += 1
            if stored.state == "pending":
                self._put(stored, part)
        return count

    def _put(self, chunk: PasswordChunk, entries: list[PasswordEntry]) -> None:
        # The attempt is in the body so a chunk handed out again is a new object version (a new
        # ETag): S3 (and the local event runner) deliver it as a new event.
        body = {
            "import_id": chunk.import_id,
            "run": chunk.run,
            "chunk": chunk.chunk,
            "attempt": chunk.attempts,
            "entries": [
                {"line": e.line, "customer_id": e.customer_id, "password": e.password} for e in entries
            ],
        }
        key = chunk_key(chunk.import_id, chunk.run, chunk.chunk)
        self.files.put(key, json.dumps(body).encode(), "application/json")

    def finish_or_wait(self, job: ImportJob, status: ImportStatus) -> ImportJob:
        """The run applied every row: finished now, or `running` until the last chunk is done.
        `job` carries everything the finished job keeps (report, counters)."""
        waiting = self.jobs.save(job, replace(job, status="running", awaiting=status, lease_until=None))
        # A worker may have settled the last chunk before `awaiting` was saved: look again.
        return self.settle_job(job.id) or waiting

    def with_progress(self, job: ImportJob) -> ImportJob:
        """The job with what the workers handled so far (one GetItem, only for jobs with passwords)."""
        if not job.passwords_total:
            return job
        progress = self.chunks.progress(job.id)
        return replace(job, passwords_hashed=progress.passwords_hashed + progress.passwords_failed)

    # -- workers -------------------------------------------------------------------------------
    def handle_chunk(self, key: str) -> PasswordChunk | None:
        """One chunk object arrived: hash its passwords. Safe to run twice, or late."""
        match = _KEY.fullmatch(key)
        if match is None:
            logger.warning("object outside a password chunk ignored")
            return None
        import_id, run, number = match.group(1), match.group(2), int(match.group(3))
        chunk = self.chunks.get(import_id, run, number)
        if chunk is None or chunk.state != "pending":
            self._drop(key)  # settled (a repeated delivery) or a stray object: nothing to hash
            return chunk
        try:
            stream, _size, _etag = self.files.open(key)
        except NotFoundError:
            return chunk  # deleted by a delivery that just settled it; the watchdog checks
        document = json.loads(stream.read())
        if int(document.get("attempt", 1)) < chunk.attempts:
            return chunk  # an older version's event: the newer one is on its way
        handled = 0
        for entry in document.get("entries", []):
            marker = pending_marker(import_id, run, int(entry["line"]))
            self._apply(marker, str(entry["customer_id"]), str(entry["password"]))
            handled += 1
        if self.chunks.settle(chunk, "done", handled, 0):
            logger.info("password chunk hashed", import_id=import_id, chunk=number, passwords=handled)
        self._drop(key)
        self.settle_job(import_id)
        return replace(chunk, state="done")

    def _apply(self, marker: str, customer_id: str, password: str) -> bool:
        """Write one customer's hash if the customer still waits for this very row's password
        (`marker`). Returns False for a stale entry (password changed since, a later row, erased)."""
        new_hash: str | None = None
        for _ in range(3):
            customer = self.customers.get(customer_id)
            if customer is None or customer.password_pending != marker:
                return False
            if new_hash is None:
                # Re-importing the same file must not change a password that already is this one.
                old = customer.password_hash
                new_hash = old if old and self.verifier(old, password) else self.hasher(password)
            changed = new_hash != customer.password_hash
            after = replace(
                customer,
                password_hash=new_hash,
                password_pending=None,
                updated_at=self.clock(),
                # A replaced password ends the sessions opened with the old one, as any change does.
                session_generation=customer.session_generation
                + (1 if changed and customer.password_hash else 0),
            )
            try:
                self.customers.update(customer, after)
                return True
            except ConflictError:
                continue  # the customer changed meanwhile (a login, an edit): read again
        raise ConflictError("The customer kept changing; the chunk is retried.")

    def _drop(self, key: str) -> None:
        try:
            self.files.delete_keys([key])
        except ServiceUnavailableError:
            logger.warning("password chunk not deleted; the lifecycle rule expires it")

    def settle_job(self, import_id: str) -> ImportJob | None:
        """Finish a job that only waited for its chunks once none is out. Any caller may try."""
        for _ in range(5):
            job = self.jobs.get(import_id)
            if job is None or job.status != "running" or job.awaiting is None:
                return job
            progress = self.chunks.progress(import_id)
            if progress.chunks_done < job.password_chunks:
                return job
            status: ImportStatus = job.awaiting
            warnings = job.warnings
            if progress.passwords_failed:
                status = "completed_with_warnings" if status == "completed" else status
                warnings = (*warnings, ImportWarning("password", _GAVE_UP, progress.passwords_failed))
            try:
                return self.jobs.save(
                    job,
                    replace(
                        job,
                        status=status,
                        awaiting=None,
                        warnings=warnings,
                        finished_at=self.clock(),
                        lease_until=None,
                    ),
                )
            except ConflictError:
                continue
        return self.jobs.get(import_id)

    # -- the watchdog --------------------------------------------------------------------------
    def retry_stalled(self, job: ImportJob) -> ImportJob | None:
        """Hand out again the chunks of a waiting job that were out too long; give up on a chunk
        after MAX_CHUNK_ATTEMPTS (its customers keep no imported password and are told how)."""
        now = self.clock()
        for chunk in self.chunks.pending(job.id):
            if chunk.dispatched_at + REDISPATCH_AFTER > now:
                continue
            key = chunk_key(job.id, chunk.run, chunk.chunk)
            if chunk.attempts >= MAX_CHUNK_ATTEMPTS:
                self._give_up(chunk, key)
                continue
            try:
                stream, _size, _etag = self.files.open(key)
                entries = [
                    PasswordEntry(int(e["line"]), str(e["customer_id"]), str(e["password"]))
                    for e in json.loads(stream.read()).get("entries", [])
                ]
            except NotFoundError:
                self._give_up(chunk, key)  # expired or lost: the plaintexts are gone
                continue
            try:
                again = self.chunks.redispatched(chunk, now)
            except ConflictError:
                continue  # another watchdog run, or a worker that settled it just now
            self._put(again, entries)
            logger.info("password chunk handed out again", import_id=job.id, chunk=chunk.chunk)
        return self.settle_job(job.id)

    def _give_up(self, chunk: PasswordChunk, key: str) -> None:
        if self.chunks.settle(chunk, "failed", 0, chunk.entries):
            logger.warning("password chunk given up", import_id=chunk.import_id, chunk=chunk.chunk)
        self._drop(key)
