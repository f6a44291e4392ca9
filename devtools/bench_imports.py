"""Import benchmark (part of `make bench`): rows/s, DynamoDB requests per 1,000 rows and the
pipeline's peak memory for generated files of 10,000 and 100,000 rows, against moto; then a
1,000-row sample with plaintext passwords, hashed by the password workers (issue 17 §4): the
measured cost of one hash in one worker, and the arithmetic of the fan-out for 50,000 rows.

Knobs: BENCH_IMPORT_ROWS (sizes, default "10000,100000"; e.g. "2000" on a shared machine),
BENCH_PASSWORD_ROWS (the password sample, default 1000; 0 skips it), BENCH_IMPORT_MOTO=0 (the
pipeline's rows/s and memory only, without the slower moto runs).

The file is streamed from disk (a FileStore over a folder) so that memory measures the pipeline,
not moto's in-memory S3; DynamoDB is moto's. Peak memory is sampled at every batch with
tracemalloc, leaving out allocations made inside moto, botocore and the DynamoDB storage.
"""

from __future__ import annotations

import math
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

os.environ.setdefault("CLIENTELE_STAGE", "test")
os.environ.setdefault("CLIENTELE_TABLE_NAME", "clientele-bench")
os.environ.setdefault("CLIENTELE_TOKEN_SECRET", "bench-" + "b" * 40)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[_name] = "bench"
os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = "us-east-1"
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws  # noqa: E402

from chalicelib.core.pacing import WritePace  # noqa: E402
from chalicelib.customers.domain import Customer  # noqa: E402
from devtools import moto_keyed_queries, moto_transactions  # noqa: E402
from devtools.bench import FIRST, LAST, Counter  # noqa: E402
from tests.fakes.customers import MemoryCustomerRepository  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "10000,100000").split(",") if n]
PASSWORD_ROWS = int(os.environ.get("BENCH_PASSWORD_ROWS", "1000"))
ON_MOTO = os.environ.get("BENCH_IMPORT_MOTO", "1") != "0"
# The case: a 50,000-row file with passwords, done within 15 minutes of wall time in AWS.
TARGET_ROWS, TARGET_SECONDS = 50_000, 15 * 60


class DiskFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def open(self, key: str) -> tuple[IO[bytes], int, str]:
        path = self.root / key
        return path.open("rb"), path.stat().st_size, f"etag-{path.stat().st_size}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def upload_url(self, key: str, expires: timedelta) -> str:
        return f"file://{self.root / key}"

    def download_url(self, key: str, expires: timedelta, filename: str) -> str:
        return f"file://{self.root / key}"

    def keys_under(self, prefix: str) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in (self.root / prefix).rglob("*") if p.is_file())

    def delete_prefix(self, prefix: str, limit: int = 1000) -> int:
        # Part of the FileStore port (erasure and mail ingestion call it); the import never does. A
        # prefix, as in S3, is any start of a key (a whole key too), not only a folder.
        keys = (str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
        doomed = sorted(k for k in keys if k.startswith(prefix))[:limit]
        for key in doomed:
            (self.root / key).unlink(missing_ok=True)
        return len(doomed)

    def delete_keys(self, keys: list[str]) -> int:
        # A finished import deletes its source file (ImportService._drop_source).
        for key in keys:
            (self.root / key).unlink(missing_ok=True)
        return len(keys)


def write_file(path: Path, rows: int, seed: int, *, passwords: bool = False) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;"
            + ("Password\n" if passwords else "\n")
        )
        for n in range(rows):
            out.write(
                f"{n};{rng.choice(['1', '2', '-'])};{rng.choice(LAST)};{rng.choice(FIRST)};"
                f"bench.{seed}.{n}@example.com;-;{rng.choice('01')};{rng.choice('01')};{rng.choice('01')};"
                f"2021-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00:00;-;"
                + (f"Bench-{rng.getrandbits(48):012x}\n" if passwords else "\n")
            )


class DiscardingCustomers(MemoryCustomerRepository):
    """A customer repository that keeps nothing: isolates the pipeline's own memory and speed. The
    import's calls answer at once; every other method is the empty in-memory fake's, so mypy checks
    this against the CustomerRepository port like any fake."""

    def get_many_by_email(self, emails: list[str]) -> tuple[dict[str, Customer], set[str]]:
        return {}, set()

    def get_many(self, customer_ids: list[str]) -> dict[str, Customer]:
        return {}

    def get_many_by_ref(self, refs: list[str]) -> dict[str, Customer]:
        return {}

    def write_batch(
        self,
        creates: list[Customer],
        updates: list[tuple[Customer, Customer]],
        token: str,
        pace: WritePace | None = None,
    ) -> dict[str, Exception]:
        return {}


def run(rows: int, *, storage: str) -> dict[str, Any]:
    """Import `rows` generated rows. storage="moto": DynamoDB requests counted; "discard": the
    pipeline alone, with tracemalloc's peak as its memory."""
    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws(), tempfile.TemporaryDirectory() as folder:
        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container
        from tests.fakes.imports import MemoryImportRepository
        from tests.fakes.shop import MemoryConfigRepository

        bootstrap.ensure_table()
        files = DiskFileStore(Path(folder))
        discard = storage == "discard"
        services = build_container(
            get_settings(),
            files=files,
            customers=DiscardingCustomers() if discard else None,
            imports=MemoryImportRepository() if discard else None,
            # moto's query results are cyclic garbage until a collection: keep moto out entirely.
            config=MemoryConfigRepository() if discard else None,
        )
        services.config.seed_defaults()
        job, _ = services.imports.create_job("customers", "bench.csv", None)
        key = f"imports/{job.id}/bench.csv"
        write_file(Path(folder) / key, rows, rows)
        counter = Counter()
        TableRecord._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb", counter.after_call
        )
        _, size, etag = files.open(key)
        if discard:
            tracemalloc.start()
        started = time.perf_counter()
        result = services.imports.handle_upload(key, etag, size, lambda: 10**9)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if discard else 0
        tracemalloc.stop()
        assert result is not None
        total = sum(counter.requests.values())
        return {
            "rows": rows,
            "storage": storage,
            "status": result.status,
            "created": result.created,
            "seconds": elapsed,
            "rows_per_s": rows / elapsed,
            "requests": dict(counter.requests),
            "requests_per_1000": total * 1000 / rows,
            "peak_mib": peak / 2**20,
        }


def run_passwords(rows: int) -> dict[str, Any]:
    """Import `rows` rows with plaintext passwords into moto, then play ONE password worker over
    every chunk, in turn: the cost of a hash per worker, measured, not assumed. CPU time is
    reported beside wall time: on a shared machine the wall clock measures the neighbours."""
    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws(), tempfile.TemporaryDirectory() as folder:
        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings
        from chalicelib.imports.domain import PASSWORD_CHUNK_PREFIX
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container

        bootstrap.ensure_table()
        files = DiskFileStore(Path(folder))
        services = build_container(get_settings(), files=files)
        services.config.seed_defaults()
        job, _ = services.imports.create_job("customers", "bench.csv", None)
        key = f"imports/{job.id}/bench.csv"
        write_file(Path(folder) / key, rows, rows + 1, passwords=True)
        counter = Counter()
        TableRecord._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb", counter.after_call
        )
        _, size, etag = files.open(key)
        started, started_cpu = time.perf_counter(), time.process_time()
        imported = services.imports.handle_upload(key, etag, size, lambda: 10**9)
        rows_seconds = time.perf_counter() - started
        rows_cpu = time.process_time() - started_cpu
        assert imported is not None
        assert imported.status == "running", imported.status
        rows_requests = sum(counter.requests.values())
        chunks = files.keys_under(PASSWORD_CHUNK_PREFIX)
        per_chunk: list[float] = []
        wall, cpu = time.perf_counter(), time.process_time()
        for chunk in chunks:
            chunk_started = time.perf_counter()
            services.import_passwords.handle_chunk(chunk)
            per_chunk.append(time.perf_counter() - chunk_started)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done = services.imports.get(job.id)
        return {
            "rows": rows,
            "status": done.status,
            "passwords": services.import_passwords.with_progress(done).passwords_hashed,
            "chunks": len(chunks),
            "rows_per_s": rows / rows_seconds,
            # moto runs in this process: its CPU time includes DynamoDB's own work (an upper bound)
            "rows_per_cpu_s": rows / rows_cpu,
            "rows_requests_per_1000": rows_requests * 1000 / rows,
            "worker_requests_per_password": (sum(counter.requests.values()) - rows_requests) / rows,
            "hash_wall_s": wall / rows,
            "hash_cpu_s": cpu / rows,
        }


def fan_out_arithmetic(sample: dict[str, Any]) -> list[str]:
    from chalicelib.imports.password_workers import CHUNK_SIZE, WORKER_CONCURRENCY, WORKER_TIMEOUT_SECONDS

    # A worker at 1,769 MB has one vCPU: its wall time per hash is the CPU time measured here.
    per_hash = sample["hash_cpu_s"]
    chunks = math.ceil(TARGET_ROWS / CHUNK_SIZE)
    per_chunk = CHUNK_SIZE * per_hash
    waves = math.ceil(chunks / WORKER_CONCURRENCY)
    hashing = waves * per_chunk
    # The rows go in first, at the CPU rate measured with moto in this process (its DynamoDB work
    # counted too); the chunks start as soon as the first batch is written, so adding both times
    # over-counts: an upper bound.
    rows_time = TARGET_ROWS / sample["rows_per_cpu_s"]
    total = rows_time + hashing
    verdict = "OK" if total <= TARGET_SECONDS else "OVER"
    return [
        f"  {TARGET_ROWS:,} rows: {chunks} chunks of {CHUNK_SIZE} x {per_chunk:.1f} s per chunk "
        f"({CHUNK_SIZE} x {per_hash:.3f} s) / {WORKER_CONCURRENCY} workers = {waves} waves x "
        f"{per_chunk:.1f} s = {hashing:.0f} s of hashing",
        f"  + rows at {sample['rows_per_cpu_s']:.0f} rows/s (CPU, moto included): {rows_time:.0f} s"
        f"  => <= {total:.0f} s "
        f"= {total / 60:.1f} min wall (target <= {TARGET_SECONDS // 60} min): {verdict}",
        f"  one chunk: {per_chunk:.0f} s of the worker's {WORKER_TIMEOUT_SECONDS} s timeout",
    ]


def main() -> int:
    on_moto_runs = []
    for rows in SIZES if ON_MOTO else []:
        print(f"importing {rows:,} generated rows into moto ...", file=sys.stderr)
        on_moto_runs.append(run(rows, storage="moto"))
    pipeline = []
    for rows in SIZES:
        print(f"streaming {rows:,} generated rows through the pipeline ...", file=sys.stderr)
        pipeline.append(run(rows, storage="discard"))
    print("\nCSV import (customers, PrestaShop format)\n")
    for on_moto in on_moto_runs:
        requests = ", ".join(f"{n} {op}" for op, n in sorted(on_moto["requests"].items()))
        print(
            f"DynamoDB (moto), {on_moto['rows']:,} new customers: {on_moto['status']}, "
            f"{on_moto['requests_per_1000']:.1f} requests per 1,000 rows (target <= 50), "
            f"{on_moto['rows_per_s']:.0f} rows/s on moto\n  {requests}"
        )
    print("\nPipeline alone (file streamed from disk, storage discarded), tracemalloc peak:")
    for r in pipeline:
        print(f"  {r['rows']:>8,} rows  {r['rows_per_s']:>7.0f} rows/s  peak {r['peak_mib']:.2f} MiB")
    if len(pipeline) > 1:
        ratio = pipeline[-1]["peak_mib"] / pipeline[0]["peak_mib"]
        sizes = f"{pipeline[-1]['rows']:,} rows / {pipeline[0]['rows']:,} rows"
        print(f"  peak memory {sizes}: {ratio:.2f}x (target <= 1.2x)")
    if PASSWORD_ROWS:
        print(f"importing a {PASSWORD_ROWS:,}-row sample with plaintext passwords ...", file=sys.stderr)
        sample = run_passwords(PASSWORD_ROWS)
        print(
            f"\nPlaintext passwords ({sample['rows']:,}-row sample, one worker hashing its "
            f"{sample['chunks']} chunks in turn): {sample['status']}, {sample['passwords']:,} hashed"
        )
        print(
            f"  rows without hashing: {sample['rows_per_s']:.0f} rows/s wall, "
            f"{sample['rows_per_cpu_s']:.0f} rows/s of CPU on moto, "
            f"{sample['rows_requests_per_1000']:.1f} requests per 1,000 rows; the worker: "
            f"{sample['worker_requests_per_password']:.1f} requests per password"
        )
        print(
            f"  per hash, per worker: {sample['hash_cpu_s']:.3f} s CPU "
            f"({sample['hash_wall_s']:.3f} s wall on this machine, shared)"
        )
        print("\n".join(fan_out_arithmetic(sample)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
