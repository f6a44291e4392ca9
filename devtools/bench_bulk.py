"""Bulk import overhead (issue 19 §4, part of `make bench`): rows/s of the real CSV import against a
minimal boto3 loop issuing the same reads and conditional writes, against the same moto, in the
same run.

The loop's requests are the import's own: every BatchGetItem and TransactWriteItems the import
sends is recorded (a reference to its parameters, nothing copied while it is timed), and the loop
reads the same file with `csv.reader` and sends them again with a plain boto3 client, in order, to
a fresh table seeded the same way. So both sides pay moto for identical payloads and the ratio is
the pipeline's own cost: validation, matching, mapping, batching, checkpoints and pacing. The import
runs with the deployed pace (settings.import_write_units_per_second); the time it waited for its
budget is printed beside it.

Wall time is the neighbours' too on a shared machine: CPU time is printed as well (moto runs in
this process, so both sides' CPU time includes DynamoDB's own work).

One run on a shared machine is one sample of its neighbours' load: the bench runs several rounds,
each an import followed at once by the loop replaying that import's requests (the pair sees the
same load), and reports the median of the rounds' ratios with their spread (min to max), so the
verdict holds run to run rather than on a lucky pair.

Knobs: BENCH_BULK_ROWS (default 4000; 100000 for the issue's size), BENCH_BULK_ROUNDS (default 3),
BENCH_BULK_PROFILE=1 (one extra, uncounted import under cProfile — the profiler slows the import
several times, so it never feeds a ratio — printing its top functions by own time;
BENCH_BULK_SORT=cumtime to sort by cumulative).
"""

from __future__ import annotations

import cProfile
import csv
import os
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
from chalicelib.core.settings import get_settings  # noqa: E402
from devtools import moto_keyed_queries, moto_transactions  # noqa: E402
from devtools.bench_imports import DiskFileStore, write_file  # noqa: E402

ROWS = int(os.environ.get("BENCH_BULK_ROWS", "4000"))
ROUNDS = int(os.environ.get("BENCH_BULK_ROUNDS", "3"))
PROFILE = os.environ.get("BENCH_BULK_PROFILE") == "1"
TARGET_RATIO = 0.8
# The row work: what the loop sends again. (The job's own GetItem/PutItem, the shop settings'
# Query and the like are the pipeline's bookkeeping, left to the import's side.)
REPLAYED = ("BatchGetItem", "TransactWriteItems")


@dataclass
class Timing:
    wall: float
    cpu: float

    def rates(self, rows: int) -> tuple[float, float]:
        return rows / self.wall, rows / self.cpu


class Recorder:
    """The row requests a client sends, in order, as (operation, parameters); and the CPU time
    spent in each operation's calls (botocore and moto), where the rest is the pipeline's own."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.cpu: dict[str, float] = {}
        self._started = 0.0

    def attach(self, events: Any) -> None:
        # Not botocore's `before-call` for the parameters (its params are the serialized body).
        events.register("before-parameter-build.dynamodb", self.before_build)
        events.register("after-call.dynamodb", self.after_call)

    def detach(self, events: Any) -> None:
        events.unregister("before-parameter-build.dynamodb", self.before_build)
        events.unregister("after-call.dynamodb", self.after_call)

    def before_build(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in REPLAYED:
            self.requests.append((model.name, params))
        self._started = time.process_time()

    def after_call(self, model: Any, **_: Any) -> None:
        self.cpu[model.name] = self.cpu.get(model.name, 0.0) + time.process_time() - self._started


def fresh_table() -> None:
    """A new table with the shop's defaults (the groups the counters' conditions need)."""
    from chalicelib import bootstrap

    bootstrap.ensure_table()
    bootstrap.seed_defaults()


def run_import(
    folder: Path, rows: int, profile: bool = False
) -> tuple[Timing, Any, Recorder, list[WritePace], pstats.Stats | None]:
    from chalicelib.models.base import TableRecord
    from chalicelib.wiring import build_container

    fresh_table()
    files = DiskFileStore(folder)
    services = build_container(get_settings(), files=files)
    # The paces the import's runs use (the deployed setting's), kept to print what they waited.
    paces: list[WritePace] = []
    deployed = services.imports.write_pace
    assert deployed is not None

    def kept_pace() -> WritePace:
        paces.append(deployed())
        return paces[-1]

    imports = replace(services.imports, write_pace=kept_pace)
    job, _ = imports.create_job("customers", "bench.csv", None)
    key = f"imports/{job.id}/bench.csv"
    (folder / key).parent.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes((folder / "bench.csv").read_bytes())
    recorder = Recorder()
    events = TableRecord._get_connection().connection.client.meta.events
    recorder.attach(events)
    _, size, etag = files.open(key)
    profiler = cProfile.Profile() if profile else None
    started, started_cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = imports.handle_upload(key, etag, size, lambda: 10**9)
    if profiler is not None:
        profiler.disable()
    timing = Timing(time.perf_counter() - started, time.process_time() - started_cpu)
    recorder.detach(events)
    assert result is not None
    assert (result.status, result.created) == ("completed", rows), result
    return timing, result, recorder, paces, pstats.Stats(profiler) if profiler is not None else None


def run_loop(folder: Path, recorder: Recorder) -> Timing:
    """The minimal importer: read the rows, send the same requests with boto3, nothing else."""
    import boto3
    from botocore.config import Config

    fresh_table()
    # PynamoDB's client settings: no client-side parameter validation (the import's client skips
    # it too), so the loop pays for the requests alone.
    client = boto3.client("dynamodb", config=Config(parameter_validation=False))
    started, started_cpu = time.perf_counter(), time.process_time()
    with (folder / "bench.csv").open(encoding="utf-8", newline="") as source:
        for _row in csv.reader(source, delimiter=";"):
            pass
    for operation, params in recorder.requests:
        if operation == "BatchGetItem":
            answer = client.batch_get_item(**params)
            assert not answer.get("UnprocessedKeys")
        else:
            client.transact_write_items(**params)
    return Timing(time.perf_counter() - started, time.process_time() - started_cpu)


@dataclass
class Round:
    """One import and the loop replaying its requests, run back to back."""

    imported: Timing
    looped: Timing
    job: Any
    recorder: Recorder
    paces: list[WritePace]

    def ratios(self) -> tuple[float, float]:
        (import_wall, import_cpu), (loop_wall, loop_cpu) = self.imported.rates(ROWS), self.looped.rates(ROWS)
        return import_wall / loop_wall, import_cpu / loop_cpu


def run_round(folder: Path, number: int) -> Round:
    print(f"round {number + 1}/{ROUNDS}: importing {ROWS:,} generated rows into moto ...", file=sys.stderr)
    with mock_aws():
        imported, job, recorder, paces, _ = run_import(folder, ROWS)
    print(
        f"round {number + 1}/{ROUNDS}: the same {len(recorder.requests):,} requests with boto3 ...",
        file=sys.stderr,
    )
    with mock_aws():
        looped = run_loop(folder, recorder)
    return Round(imported, looped, job, recorder, paces)


def median_row(label: str, loop: list[float], imported: list[float], ratios: list[float]) -> str:
    ratio = statistics.median(ratios)
    verdict = "OK" if ratio >= TARGET_RATIO and min(ratios) >= TARGET_RATIO else "BELOW"
    return (
        f"  {label:<16}{statistics.median(loop):>20,.0f}  →  {statistics.median(imported):>17,.0f}   "
        f"{ratio:.2f}x  ({min(ratios):.2f} to {max(ratios):.2f})  {verdict}"
    )


def main() -> int:
    moto_transactions.install()
    moto_keyed_queries.install()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_file(folder / "bench.csv", ROWS, ROWS)
        rounds = [run_round(folder, number) for number in range(ROUNDS)]
        stats = None
        if PROFILE:
            print("an extra import under cProfile (not counted) ...", file=sys.stderr)
            with mock_aws():
                *_, stats = run_import(folder, ROWS, profile=True)
    last = rounds[-1]
    sent = {op: sum(1 for o, _ in last.recorder.requests if o == op) for op in REPLAYED}
    print(f"\nBulk import overhead ({ROWS:,} new customers, moto; the same requests both sides)\n")
    print(f"  requests per side: {', '.join(f'{n:,} {op}' for op, n in sent.items())}")
    print(f"  median of {ROUNDS} rounds (import, then the loop replaying it); ratio's spread in brackets;")
    print(f"  OK when the median and the worst round are both ≥ {TARGET_RATIO}\n")
    print(f"  {'':<16}{'minimal boto3 loop':>20}  →  {'Clientele import':>17}   ratio")
    wall = [r.ratios()[0] for r in rounds]
    cpu = [r.ratios()[1] for r in rounds]
    print(
        median_row(
            "rows/s, wall",
            [r.looped.rates(ROWS)[0] for r in rounds],
            [r.imported.rates(ROWS)[0] for r in rounds],
            wall,
        )
    )
    print(
        median_row(
            "rows/s of CPU",
            [r.looped.rates(ROWS)[1] for r in rounds],
            [r.imported.rates(ROWS)[1] for r in rounds],
            cpu,
        )
    )
    print(
        f"  per round, wall: {', '.join(f'{x:.2f}x' for x in wall)}; "
        f"CPU: {', '.join(f'{x:.2f}x' for x in cpu)}"
    )
    budget = sum(p.report().paced_seconds for p in last.paces)
    print(
        f"  the import's pace ({get_settings().import_write_units_per_second} write units/s on the "
        f"busiest index partition): waited {budget:.1f} s of {last.imported.wall:.1f} s for its budget "
        f"(last round); {last.job.throttled_writes} throttled writes absorbed (moto never throttles)"
    )
    in_requests = sum(last.recorder.cpu.values())
    split = ", ".join(
        f"{op} {cpu:.1f} s" for op, cpu in sorted(last.recorder.cpu.items(), key=lambda i: -i[1])
    )
    print(
        f"  the import's {last.imported.cpu:.1f} s of CPU (last round): {in_requests:.1f} s in its "
        f"DynamoDB calls (botocore + moto: {split}), {last.imported.cpu - in_requests:.1f} s in the "
        f"pipeline itself; the loop's {last.looped.cpu:.1f} s"
    )
    if stats is not None:
        # moto answers in this process: its functions are DynamoDB's side, left out.
        print("\n  the import's own top functions (cProfile, moto and botocore left out):")
        stats.sort_stats(os.environ.get("BENCH_BULK_SORT", "tottime"))
        stats.print_stats(r"^(?!.*(moto|werkzeug|responses|botocore)).*$", 45)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
