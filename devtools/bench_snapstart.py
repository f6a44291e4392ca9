"""What SnapStart takes out of the API's cold start, modelled locally (issue 19 goal 2).

SnapStart starts a new copy of a function from a snapshot of its initialised memory instead of
running its init (the interpreter, `import app`). Here a fork after `import app` stands in for that
snapshot: "before" is a fresh process that imports the app and serves its first request (a cold
start, as devtools/bench_coldstart.py measures it), "after" is a copy forked from an initialised
process that runs the after-restore hooks (chalicelib/core/snapshots.py) and serves its first
request. Lambda's own restore of the microVM (loading the snapshot's pages, billed per GB restored)
is not modelled and comes on top of "after"; so the ratio is what the init costs, the upper bound of
the gain. DynamoDB: moto on 127.0.0.1, as in the cold-start bench.

    python -m devtools.bench_snapstart [--runs N]    (BENCH_SNAPSTART_RUNS=7)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from devtools.bench_coldstart import (
    _CHILD,
    _LAMBDA,
    ROOT,
    Variant,
    _environment,
    _free_port,
    _provision,
    _run,
)

RUNS = int(os.environ.get("BENCH_SNAPSTART_RUNS", "7"))

# One init, then RUNS copies forked from it ("restored"), one after the other: each runs the hooks,
# serves its first request and a second one (warm), and prints its timings as one JSON line.
_RESTORED = (
    _LAMBDA
    + r"""
copies, token, prime = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "prime"
import app
from chalicelib.core.snapshots import run_after_restore_hooks, run_before_snapshot_hooks
if prime:
    run_before_snapshot_hooks()

def serve():
    response = app.app(api_event("/admin/customers", {"limit": "20"}, token), Context())
    if response["statusCode"] != 200:
        sys.exit(f"the API answered {response['statusCode']}: {response.get('body')}")

for _ in range(copies):
    restored = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        run_after_restore_hooks()
        hooks = time.perf_counter()
        serve()
        first = time.perf_counter()
        serve()
        warm = time.perf_counter()
        print(json.dumps({"hooks": (hooks - restored) * 1000, "first": (first - restored) * 1000,
                          "warm": (warm - first) * 1000}), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"a restored copy failed ({status})")
"""
)


def _restored_copies(
    variant: Variant, environment: dict[str, str], runs: int, *, prime: bool
) -> list[dict[str, float]]:
    done = subprocess.run(
        [sys.executable, "-c", _RESTORED, str(runs), variant.token, "prime" if prime else "-"],
        cwd=variant.root,
        env=environment | {"PYTHONPATH": str(variant.root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the restored copies failed:\n{done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="processes / copies per cell (median)")
    runs: int = parser.parse_args().runs

    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            variant = Variant("snapstart", ROOT, "bench-snapstart")
            environment = _environment(f"http://127.0.0.1:{port}", variant.table, data_dir)
            _provision(variant, environment)
            cold = [
                _run(_CHILD, ROOT, environment, "api", "", variant.token, "0", "0" * 32)[0]
                for _ in range(runs)
            ]
            unprimed = _restored_copies(variant, environment, runs, prime=False)
            restored = _restored_copies(variant, environment, runs, prime=True)
    finally:
        server.stop()

    median = statistics.median
    before, after = median(cold), median(c["first"] for c in restored)
    hooks, warm = median(c["hooks"] for c in restored), median(c["warm"] for c in restored)
    unprimed_first = median(c["first"] for c in unprimed)
    print("\nSnapStart, modelled: the API's first request (GET /admin/customers, 20 rows), median of")
    print(f"{runs}; after = a copy forked from an initialised process (Lambda's restore not included)")
    print(f"{'':50} {'before':>8} {'after':>8} {'before->after':>14}")
    row = "cold start -> restored copy: first request, ms"
    print(f"{row:50} {before:8.0f} {after:8.0f} {before / after:13.1f}x")
    print(f"{'  of which the after-restore hooks, ms':50} {'':8} {hooks:8.2f}")
    row = "  without the before-snapshot load, first request, ms"
    print(f"{row:50} {'':8} {unprimed_first:8.0f}")
    print(f"{'  a second request in the same copy (warm), ms':50} {'':8} {warm:8.1f}")


if __name__ == "__main__":
    main()
