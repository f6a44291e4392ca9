"""Issue 17 §4: plaintext passwords of an import are hashed by parallel workers, each exactly once.

The import writes rows without hashing and hands the plaintexts out in chunks; these tests play
the workers (the chunk objects' events) by hand, with a counting hasher instead of argon2.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from chalicelib.customers.schemas import UpdateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.imports.domain import PASSWORD_CHUNK_PREFIX, ImportJob, ImportOptions
from chalicelib.imports.password_workers import (
    MAX_CHUNK_ATTEMPTS,
    ImportPasswordWorkers,
    run_tag,
)
from chalicelib.imports.service import ImportService
from tests.factories import FixedClock
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.files import MemoryFileStore
from tests.fakes.imports import MemoryImportRepository, MemoryPasswordChunkRepository
from tests.unit.test_import_service import import_parts

HEADER = "Email address;First Name;Last name;Password\n"


class CountingHasher:
    """Stands in for argon2id: `h(<password>)`, and how often each password was hashed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.verified: Counter[str] = Counter()

    def hash(self, password: str) -> str:
        self.calls[password] += 1
        return f"h({password})"

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified[password] += 1
        return stored == f"h({password})"


@dataclass
class World:
    service: ImportService
    workers: ImportPasswordWorkers
    customers: MemoryCustomerRepository
    customer_service: CustomerService
    jobs: MemoryImportRepository
    files: MemoryFileStore
    chunks: MemoryPasswordChunkRepository
    hasher: CountingHasher
    clock: FixedClock


def build(rows_per_batch: int = 250, chunk_size: int = 100) -> World:
    parts = import_parts()
    chunks, hasher = MemoryPasswordChunkRepository(), CountingHasher()
    workers = ImportPasswordWorkers(
        chunks,
        parts.files,
        parts.customers,
        parts.jobs,
        parts.clock,
        hasher=hasher.hash,
        verifier=hasher.verify,
        chunk_size=chunk_size,
    )
    service = parts.import_service(rows_per_batch, 0, passwords=workers)
    return World(
        service,
        workers,
        parts.customers,
        parts.customer_service,
        parts.jobs,
        parts.files,
        chunks,
        hasher,
        parts.clock,
    )


def password_file(count: int, start: int = 0, secret: str = "Passw0rd-") -> str:  # noqa: S107
    rows = "".join(f"c{n}@example.com;Ana;Person{n};{secret}{n}\n" for n in range(start, start + count))
    return HEADER + rows


def run_import(world: World, content: str) -> ImportJob:
    job, _ = world.service.create_job("customers", "file.csv", "emp-1")
    key = f"imports/{job.id}/file.csv"
    world.files.put(key, content.encode(), "text/csv")
    _, size, etag = world.files.open(key)
    result = world.service.handle_upload(key, etag, size, lambda: 10**9)
    assert result is not None
    return result


def chunk_keys(world: World) -> list[str]:
    return sorted(k for k in world.files.files if k.startswith(PASSWORD_CHUNK_PREFIX))


def deliver_all(world: World) -> None:
    for key in chunk_keys(world):
        world.workers.handle_chunk(key)


def test_every_plaintext_is_split_into_chunks_and_hashed_exactly_once() -> None:
    world = build(rows_per_batch=250, chunk_size=100)
    job = run_import(world, password_file(450))
    # Rows are in at full speed, nothing hashed yet; 250 + 200 rows → chunks of 100, 100, 50 | 100, 100.
    assert (job.created, job.failed, job.passwords_total, job.password_chunks) == (450, 0, 450, 5)
    assert world.hasher.calls == Counter()
    assert len(chunk_keys(world)) == 5
    pending = world.customers.get_by_email("c7@example.com")
    assert pending is not None and pending.password_hash is None
    # The import, the uploaded file's version and the file line of its row.
    assert pending.password_pending == f"{job.id}:{run_tag(job.source_etag)}:9"
    body = json.loads(world.files.files[chunk_keys(world)[0]][0])
    assert [e["line"] for e in body["entries"]] == list(range(2, 102))

    deliver_all(world)

    assert world.hasher.calls == Counter({f"Passw0rd-{n}": 1 for n in range(450)})
    for n in (0, 249, 250, 449):
        customer = world.customers.get_by_email(f"c{n}@example.com")
        assert customer is not None
        assert (customer.password_hash, customer.password_pending) == (f"h(Passw0rd-{n})", None)
    assert chunk_keys(world) == []  # the plaintexts are gone from the bucket
    done = world.service.get(job.id)
    assert (done.status, done.awaiting, done.finished_at is not None) == ("completed", None, True)
    assert world.workers.with_progress(done).passwords_hashed == 450


def test_a_chunk_delivered_twice_changes_nothing_the_second_time() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(30))
    (key,) = chunk_keys(world)
    copy = world.files.files[key]
    world.workers.handle_chunk(key)
    first = world.customers.get_by_email("c3@example.com")
    world.files.files[key] = copy  # the same event and object again (at-least-once delivery)
    world.workers.handle_chunk(key)
    world.workers.handle_chunk(key)  # and once more, after its object is gone
    assert world.hasher.calls == Counter({f"Passw0rd-{n}": 1 for n in range(30)})
    assert world.customers.get_by_email("c3@example.com") == first
    assert world.chunks.progress(job.id).chunks_done == 1
    assert world.workers.with_progress(world.service.get(job.id)).passwords_hashed == 30


def test_a_stale_chunk_never_overwrites_a_password_set_since() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(3))
    customer = world.customers.get_by_email("c1@example.com")
    assert customer is not None
    # The merchant sets a password before the worker ran (an edit, or the customer's reset).
    changed = world.customer_service.build_update(customer, UpdateCustomerRequest(password="Chosen-Later-1"))
    world.customers.update(customer, changed)
    after_edit = world.customers.get(customer.id)
    assert after_edit is not None and after_edit.password_pending is None

    deliver_all(world)

    assert world.customers.get(customer.id) == after_edit  # untouched by the late chunk
    assert "Passw0rd-1" not in world.hasher.calls  # nor hashed for nothing
    assert world.service.get(job.id).status == "completed"


def test_a_later_row_for_the_same_customer_wins_over_an_earlier_chunk() -> None:
    world = build(rows_per_batch=2, chunk_size=100)
    content = HEADER + "a@example.com;Ana;One;First-pass-1\nb@example.com;Bo;Two;Other-pass-2\n"
    content += "a@example.com;Ana;One;Second-pass-3\n"
    run_import(world, content)
    deliver_all(world)
    customer = world.customers.get_by_email("a@example.com")
    assert customer is not None and customer.password_hash == "h(Second-pass-3)"
    assert "First-pass-1" not in world.hasher.calls


def test_the_job_is_not_finished_until_every_chunk_is_done() -> None:
    world = build(rows_per_batch=250, chunk_size=100)
    job = run_import(world, password_file(250))
    assert (job.status, job.awaiting, job.finished_at, job.progress < 1) == (
        "running",
        "completed",
        None,
        True,
    )
    keys = chunk_keys(world)
    for key in keys[:-1]:
        world.workers.handle_chunk(key)
        assert world.service.get(job.id).status == "running"
    # The watchdog leaves a job that only waits for its workers alone (no lease to expire).
    assert world.service.resume_stalled() == []
    world.workers.handle_chunk(keys[-1])
    assert world.service.get(job.id).status == "completed"


def test_a_job_with_bad_rows_waits_too_then_keeps_its_error_status() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(2) + "bad;Ana;X;Passw0rd-9\nc5@example.com;Ana;Y;short\n")
    assert (job.status, job.awaiting, job.failed, job.passwords_total) == (
        "running",
        "completed_with_errors",
        2,
        2,
    )
    errors = {(e.line, e.column) for e in world.jobs.all_errors(job.id)}
    assert (5, "Password") in errors  # against the password policy: a row error now, not later
    deliver_all(world)
    assert world.service.get(job.id).status == "completed_with_errors"


def test_the_watchdog_hands_a_lost_chunk_out_again_then_gives_up_with_a_warning() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(3))
    (key,) = chunk_keys(world)
    first_etag = world.files.open(key)[2]
    world.clock.advance(minutes=10)
    world.service.resume_stalled()
    assert world.files.open(key)[2] == first_etag  # not out long enough yet
    world.clock.advance(minutes=6)
    world.service.resume_stalled()
    # Handed out again as a new object version (a new event); the worker's run finishes the job.
    assert world.files.open(key)[2] != first_etag
    assert world.chunks.pending(job.id)[0].attempts == 2
    world.workers.handle_chunk(key)
    assert world.service.get(job.id).status == "completed"
    assert world.hasher.calls == Counter({f"Passw0rd-{n}": 1 for n in range(3)})

    lost = run_import(world, password_file(4, start=10))
    for _ in range(MAX_CHUNK_ATTEMPTS):
        world.clock.advance(minutes=16)
        world.service.resume_stalled()
    settled = world.service.get(lost.id)
    assert settled.status == "completed_with_warnings"
    assert [(w.column, w.count) for w in settled.warnings] == [("password", 4)]
    assert chunk_keys(world) == []
    waiting = world.customers.get_by_email("c10@example.com")
    assert waiting is not None and waiting.password_hash is None  # no imported password to sign in with


def test_reimporting_the_same_passwords_keeps_hashes_and_sessions() -> None:
    world = build(chunk_size=100)
    run_import(world, password_file(2))
    deliver_all(world)
    before = world.customers.get_by_email("c0@example.com")
    assert before is not None
    run_import(world, password_file(2, secret="Passw0rd-").replace("Passw0rd-1", "New-passw0rd-1"))
    # Until its worker runs, a customer keeps the password they had.
    waiting = world.customers.get_by_email("c1@example.com")
    assert waiting is not None and waiting.password_hash == "h(Passw0rd-1)" and waiting.password_pending
    deliver_all(world)
    same = world.customers.get_by_email("c0@example.com")
    changed = world.customers.get_by_email("c1@example.com")
    assert same is not None and changed is not None
    assert (same.password_hash, same.session_generation) == (before.password_hash, before.session_generation)
    assert changed.password_hash == "h(New-passw0rd-1)" and changed.session_generation == 1
    assert world.hasher.calls["Passw0rd-0"] == 1  # verified, not hashed again


def test_passwords_not_kept_by_the_import_options_are_not_fanned_out() -> None:
    world = build(chunk_size=100)
    job, _ = world.service.create_job("customers", "file.csv", "emp-1", ImportOptions(passwords="none"))
    key = f"imports/{job.id}/file.csv"
    world.files.put(key, password_file(2).encode(), "text/csv")
    _, size, etag = world.files.open(key)
    done = world.service.handle_upload(key, etag, size, lambda: 10**9)
    assert done is not None and done.password_chunks == 0 and chunk_keys(world) == []


def test_a_preview_hands_out_no_password_and_its_apply_does_once() -> None:
    world = build(chunk_size=100)
    job, _ = world.service.create_job("customers", "file.csv", "emp-1", ImportOptions(preview=True))
    key = f"imports/{job.id}/file.csv"
    world.files.put(key, password_file(3).encode(), "text/csv")
    _, size, etag = world.files.open(key)
    previewed = world.service.handle_upload(key, etag, size, lambda: 10**9)
    assert previewed is not None and previewed.status == "previewed"
    assert (previewed.passwords_total, chunk_keys(world)) == (0, [])
    world.service.apply(job.id)
    for marker in sorted(k for k in list(world.files.files) if "/_continue/" in k):
        _, size, etag = world.files.open(marker)
        world.service.handle_upload(marker, etag, size, lambda: 10**9)
    assert world.service.get(job.id).passwords_total == 3
    deliver_all(world)
    assert world.hasher.calls == Counter({f"Passw0rd-{n}": 1 for n in range(3)})
    assert world.service.get(job.id).status == "completed"


def test_exported_hashes_are_stored_as_they_are_not_fanned_out() -> None:
    world = build(chunk_size=100)
    bcrypt = "$2y$10$" + "a" * 53
    run_import(world, HEADER + f"h@example.com;Ana;Hash;{bcrypt}\n")
    customer = world.customers.get_by_email("h@example.com")
    assert customer is not None and (customer.password_hash, customer.password_pending) == (bcrypt, None)
    assert chunk_keys(world) == []


def test_another_file_uploaded_to_the_same_job_is_a_new_run_whose_passwords_are_all_set() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(2))
    deliver_all(world)
    key = f"imports/{job.id}/file.csv"
    world.files.put(key, password_file(2, secret="Other-pass-").encode(), "text/csv")
    _, size, etag = world.files.open(key)
    again = world.service.handle_upload(key, etag, size, lambda: 10**9)
    assert again is not None and again.status == "running"
    deliver_all(world)
    customer = world.customers.get_by_email("c1@example.com")
    assert customer is not None and customer.password_hash == "h(Other-pass-1)"
    assert world.service.get(job.id).status == "completed"


def test_a_redelivered_upload_event_of_a_job_waiting_for_its_chunks_changes_nothing() -> None:
    world = build(chunk_size=100)
    job = run_import(world, password_file(2))
    key = f"imports/{job.id}/file.csv"
    waiting = world.service.handle_upload(key, job.source_etag or "", job.bytes_total, lambda: 10**9)
    assert waiting is not None and waiting.version == job.version
