"""Import benchmark (part of `make bench`): rows/s, DynamoDB requests per 1,000 rows and the
pipeline's peak memory for generated files of 10,000 and 100,000 rows, against moto.

The file is streamed from disk (a FileStore over a folder) so that memory measures the pipeline,
not moto's in-memory S3; DynamoDB is moto's. Peak memory is sampled at every batch with
tracemalloc, leaving out allocations made inside moto, botocore and the DynamoDB storage.
"""

from __future__ import annotations

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

from devtools import moto_transactions  # noqa: E402
from devtools.bench import FIRST, LAST, Counter  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "10000,100000").split(",") if n]


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


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;\n"
        )
        for n in range(rows):
            out.write(
                f"{n};{rng.choice(['1', '2', '-'])};{rng.choice(LAST)};{rng.choice(FIRST)};"
                f"bench.{seed}.{n}@example.com;-;{rng.choice('01')};{rng.choice('01')};{rng.choice('01')};"
                f"2021-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:00:00;-;\n"
            )


def run(rows: int) -> dict[str, Any]:
    moto_transactions.install()
    with mock_aws(), tempfile.TemporaryDirectory() as folder:
        from chalicelib import bootstrap
        from chalicelib.models.base import TableRecord
        from chalicelib.services import imports as imports_module
        from chalicelib.settings import get_settings
        from chalicelib.wiring import build_container

        bootstrap.ensure_table()
        files = DiskFileStore(Path(folder))
        services = build_container(get_settings(), files=files)
        services.config.seed_defaults()
        job, _ = services.imports.create_job("customers", "bench.csv", None)
        key = f"imports/{job.id}/bench.csv"
        write_file(Path(folder) / key, rows, rows)
        counter = Counter()
        TableRecord._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb", counter.after_call
        )
        peak = 0
        # Leave out whatever moto keeps (its in-memory table), wherever in the stack it was allocated.
        excluded = [tracemalloc.Filter(False, "*moto*", all_frames=True)]
        original_flush = imports_module.ImportService._flush

        def sampled_flush(self: Any, *args: Any, **kwargs: Any) -> Any:
            nonlocal peak
            result = original_flush(self, *args, **kwargs)
            snapshot = tracemalloc.take_snapshot().filter_traces(excluded)
            peak = max(peak, sum(stat.size for stat in snapshot.statistics("filename")))
            return result

        imports_module.ImportService._flush = sampled_flush  # type: ignore[method-assign]
        tracemalloc.start(40)
        started = time.perf_counter()
        _, size, etag = files.open(key)
        result = services.imports.handle_upload(key, etag, size, lambda: 10**9)
        elapsed = time.perf_counter() - started
        tracemalloc.stop()
        imports_module.ImportService._flush = original_flush  # type: ignore[method-assign]
        assert result is not None
        total = sum(counter.requests.values())
        return {
            "rows": rows,
            "status": result.status,
            "created": result.created,
            "failed": result.failed,
            "seconds": elapsed,
            "rows_per_s": rows / elapsed,
            "requests": dict(counter.requests),
            "requests_per_1000": total * 1000 / rows,
            "peak_mib": peak / 2**20,
        }


def main() -> int:
    results = []
    for rows in SIZES:
        print(f"importing {rows:,} generated rows into moto ...", file=sys.stderr)
        results.append(run(rows))
    print("\nCSV import (customers, PrestaShop format; moto in-process; tracemalloc on)\n")
    columns = ("rows", "status", "created", "rows/s", "req/1000 rows", "peak MiB")
    widths = (">8", "<10", ">8", ">8", ">14", ">9")
    print(" ".join(f"{c:{w}}" for c, w in zip(columns, widths, strict=True)) + "  requests")
    for r in results:
        requests = ", ".join(f"{n} {op}" for op, n in sorted(r["requests"].items()))
        print(
            f"{r['rows']:>8,} {r['status']:<10} {r['created']:>8,} {r['rows_per_s']:>8.0f} "
            f"{r['requests_per_1000']:>14.1f} {r['peak_mib']:>9.2f}  {requests}"
        )
    if len(results) > 1:
        ratio = results[-1]["peak_mib"] / results[0]["peak_mib"]
        sizes = f"{results[-1]['rows']:,} rows / {results[0]['rows']:,} rows"
        print(f"\npeak memory {sizes}: {ratio:.2f}x (target <= 1.2x)")
    print("Requests per 1,000 rows target: <= 50. rows/s is moto's speed, not DynamoDB's.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
