"""Cold starts of every Lambda entry point, before -> after, beside a bare Chalice + boto3 app
(issue 19 goal 1).

Each measurement is one fresh interpreter that does what a Lambda cold start does: import the module
of the function's Handler and serve one first invocation (the API's first request, each schedule,
each S3 event) against DynamoDB and S3, here a moto server on 127.0.0.1 that this process runs.
The API's Handler is `app.app`, so it imports app.py; an event function's Handler is its handler's
own module (`chalicelib.handlers.carts.abandoned_cart_sweep`: Chalice names a blueprint's event
handler by the blueprint's module), so it never imports app.py. Each tree's own Handlers are read
from its app (`app.event_sources`, what `chalice package` writes into the template).

The parent times the child from spawn to exit (wall time) and reads the CPU time it used
(user + system, from the parent's RUSAGE_CHILDREN; moto runs in the parent, so its share is not
counted): on a machine shared with other work, wall time also counts the child's waits for a core,
CPU time does not, so the CPU table is the one to read when bare's wall time is far above its
CPU time. The child reports its own peak RSS (VmHWM, see print_peak_rss: ru_maxrss would count
the bench's memory too). "bare" is a Chalice app whose one route creates a boto3 client and reads
one DynamoDB item: the floor any function of this stack starts from. "before" is the same
measurement on another commit (default: BASELINE_REV, the tree before issue 19) checked out in a
temporary `git worktree`, in the same pool of runs, each tree on a table its own code provisioned.

Tracing is off in the children, as everywhere outside Lambda (no LAMBDA_TASK_ROOT): a stage with
X-Ray on pays for the SDK on top (about 100 ms), as it pays for the traces.

    python -m devtools.bench_coldstart [--before REV] [--runs N]    (BENCH_COLDSTART_RUNS=7)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The commit before the first change of issue 19 (the tree its measured table describes).
BASELINE_REV = "270b124"
RUNS = int(os.environ.get("BENCH_COLDSTART_RUNS", "7"))  # fresh processes per cell
# The targets: over the bare app, at most this much more time and memory.
TARGET_MS = 150.0
TARGET_MB = 40.0
MIB = 1024 * 1024

# Every Lambda entry point of the stack: (row label, its function's name in app.event_sources or
# "api", the key of the object its event names). The parent puts one fresh object per run where the
# handler has work to do with it (a CSV to import, a mail to ingest); the other two find nothing to do.
ENTRY_POINTS: tuple[tuple[str, str, str], ...] = (
    ("API: GET /admin/customers (staff token)", "api", ""),
    ("schedule abandoned-cart-sweep", "abandoned-cart-sweep", ""),
    ("schedule password-reset-outbox", "password-reset-outbox", ""),
    ("schedule mail-poll", "mail-poll", ""),
    ("schedule import-watchdog", "import-watchdog", ""),
    ("schedule retention-cleanup", "retention-cleanup", ""),
    ("S3 import_uploaded (a 20-row CSV)", "import_uploaded", "imports/{run}/customers.csv"),
    ("S3 inbound_mail (one new mail)", "inbound_mail", "inbound/{run}.eml"),
    ("S3 export_requested (no such export)", "export_requested", "exports/{run}/request.json"),
    (
        "S3 import_password_chunk (stray chunk)",
        "import_password_chunk",
        "import-passwords/{run}/1-0000000001.json",
    ),
)

# Lambda's side of an invocation, stdlib only, so the child loads nothing the app would not.
_LAMBDA = r"""
import json, os, sys, time, uuid

class Context:
    function_name = "clientele-bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:clientele-bench"
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/clientele-bench"
    log_stream_name = "bench"
    identity = None
    client_context = None

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 300

    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)

def print_peak_rss():
    # VmHWM: this process's own peak since exec. Not ru_maxrss: Linux carries the pre-exec
    # high-water mark of the forked parent (here the bench, with moto in it) into the child's.
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))

def api_event(path, query, token):
    return {
        "resource": path, "path": path, "httpMethod": "GET",
        "headers": {"Authorization": "Bearer " + token, "Host": "bench.local"},
        "multiValueHeaders": {}, "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
        "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": path, "httpMethod": "GET", "path": "/api" + path, "stage": "api",
            "requestId": str(uuid.uuid4()), "identity": {"sourceIp": "127.0.0.1"},
        },
    }

def aws_event(detail_type, source, detail):
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
        "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1", "resources": [], "detail": detail,
    }
"""

# A child: import the app, serve one invocation, fail loudly unless it answered.
_CHILD = (
    _LAMBDA
    + r"""
import importlib
handler_string, key, token = sys.argv[1], sys.argv[2], sys.argv[3]
# As Lambda's runtime: import the Handler's module, take its attribute.
module_name, _, attribute = handler_string.rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)
if handler_string == "app.app":
    response = handler(api_event("/admin/customers", {"limit": "20"}, token), Context())
    if response["statusCode"] != 200:
        sys.exit(f"the API answered {response['statusCode']}: {response.get('body')}")
elif key:
    detail = {"bucket": {"name": os.environ["CLIENTELE_BUCKET_NAME"]},
              "object": {"key": key, "size": int(sys.argv[4]), "etag": sys.argv[5]}}
    handler(aws_event("Object Created", "aws.s3", detail), Context())
else:
    handler(aws_event("Scheduled Event", "aws.events", {}), Context())
print_peak_rss()
"""
)

# The bare app: Chalice and boto3, one route reading one item (the same event as the API's).
_BARE = (
    _LAMBDA
    + r"""
import boto3
from chalice.app import Chalice

bare = Chalice(app_name="bare")

@bare.route("/admin/customers")
def read_one():
    client = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    key = {"PK": {"S": "x"}, "SK": {"S": "x"}}
    item = client.get_item(TableName=os.environ["CLIENTELE_TABLE_NAME"], Key=key)
    return {"found": "Item" in item}

response = bare(api_event("/admin/customers", {"limit": "20"}, "-"), Context())
if response["statusCode"] != 200:
    sys.exit(f"the bare app answered {response['statusCode']}: {response.get('body')}")
print_peak_rss()
"""
)

# Provisioning, run by each variant's own code: its table and bucket, the shop's defaults, an
# administrator's token, and twenty customers through the API (so the list page reads a page).
_SEED = (
    _LAMBDA
    + r"""
from chalicelib import bootstrap
from chalicelib.wiring import container
bootstrap.ensure_table()
bootstrap.ensure_bucket()
bootstrap.seed_defaults()
password = bootstrap.create_admin("bench@example.com")
token = container().auth.login("bench@example.com", password, "127.0.0.1").token
import app
for n in range(20):
    body = {"email": f"c{n}@example.com", "first_name": "Ana", "last_name": f"Bench{n}"}
    event = api_event("/admin/customers", {}, token) | {"httpMethod": "POST", "body": json.dumps(body)}
    event["headers"] = event["headers"] | {"Content-Type": "application/json"}
    event["requestContext"] = event["requestContext"] | {"httpMethod": "POST"}
    response = app.app(event, Context())
    if response["statusCode"] != 201:
        sys.exit(f"seeding a customer: {response['statusCode']} {response.get('body')}")
# The Handler of each function, as `chalice package` writes it: the API's is app.app.
handlers = {source.name: source.handler_string for source in app.app.event_sources} | {"api": "app.app"}
print(json.dumps({"token": token, "handlers": handlers}))
"""
)

_CSV = "Email address;First Name;Last name\n" + "".join(
    f"import{n}@example.com;Imre;Row{n}\n" for n in range(20)
)
_MAIL = (
    "From: Ana Client <ana{run}@example.com>\r\nTo: help@shop.example\r\nSubject: Order {run}\r\n"
    "Message-ID: <bench-{run}@example.com>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is my parcel?\r\n"
)


# An S3 object a child's event names: key -> (key, size, etag).
Objects = dict[str, tuple[str, int, str]]


@dataclass
class Variant:
    """A tree measured: its root, its own table and bucket, its administrator's token, the Handler
    of each of its functions."""

    name: str
    root: Path
    table: str
    token: str = ""
    handlers: dict[str, str] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, list[float]] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(endpoint: str, table: str, data_dir: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("CLIENTELE_", "POWERTOOLS_", "AWS_"))}
    return kept | {
        "CLIENTELE_STAGE": "local",
        "CLIENTELE_TABLE_NAME": table,
        "CLIENTELE_BUCKET_NAME": table,
        "CLIENTELE_TOKEN_SECRET": "bench-secret-" + "x" * 40,
        "CLIENTELE_DATA_DIR": data_dir,
        "CLIENTELE_MAIL_TRANSPORT": "outbox",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "clientele",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "ClienteleBench",
    }


def _children_cpu_ms() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (used.ru_utime + used.ru_stime) * 1000


def _run(script: str, root: Path, environment: dict[str, str], *args: str) -> tuple[float, float, float]:
    """One fresh interpreter: (wall milliseconds, CPU milliseconds, peak RSS in MiB). Raises when it
    failed."""
    cpu_before = _children_cpu_ms()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=root,
        env=environment | {"PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = _children_cpu_ms() - cpu_before  # this child only: the runs are one after another
    if done.returncode != 0:
        raise RuntimeError(f"{root} {args[:1]} failed:\n{done.stderr[-2000:]}")
    peak_kib = int(done.stdout.strip().splitlines()[-1])  # the child's last line (see _LAMBDA)
    return elapsed_ms, cpu_ms, peak_kib / 1024


@contextmanager
def _checkout(rev: str) -> Iterator[Path]:
    """REV in a temporary detached worktree, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="coldstart-before-") as folder:
        path = Path(folder) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), rev],
            check=True,
        )
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                check=False,
            )


def _put_objects(endpoint: str, variant: Variant, runs: int) -> Objects:
    """One object per run and event that has work to do: key -> (key, size, etag)."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - moto's, on 127.0.0.1
    )
    objects: Objects = {}
    for run in range(runs):
        tag = f"bench{variant.name}{run}"
        for key, body in (
            (f"imports/{tag}/customers.csv", _CSV),
            (f"inbound/{tag}.eml", _MAIL.format(run=tag)),
        ):
            data = body.encode()
            etag = s3.put_object(Bucket=variant.table, Key=key, Body=data)["ETag"].strip('"')
            objects[key] = (key, len(data), etag)
    return objects


def _measure(variant: Variant, environment: dict[str, str], run: int, objects: Objects) -> None:
    # Lambda names the function it runs: app.py serves the API's routes lazily only there (the
    # seeding and Handler discovery above run without it, as `chalice package` does).
    environment = environment | {"AWS_LAMBDA_FUNCTION_NAME": "clientele-bench"}
    for label, entry, key_pattern in ENTRY_POINTS:
        key = key_pattern.format(run=f"bench{variant.name}{run}") if key_pattern else ""
        _key, size, etag = objects.get(key, (key, 0, "0" * 32))
        handler = variant.handlers[entry]
        elapsed, cpu, rss = _run(
            _CHILD, variant.root, environment, handler, key, variant.token, str(size), etag
        )
        variant.times.setdefault(label, []).append(elapsed)
        variant.cpu.setdefault(label, []).append(cpu)
        variant.rss.setdefault(label, []).append(rss)


def _table(title: str, unit: str, target: float, bare: float, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{title}")
    print(
        f"{'entry point':44} {'bare':>7} {'before':>8} {'after':>8} {'before->after':>14} {'after-bare':>11} "
        f"{'after/bare':>10} {'target':>13}  ok?"
    )
    for label, before, after in rows:
        over = after - bare
        ok = "ok" if over <= target else "NO"
        print(
            f"{label:44} {bare:7.0f} {before:8.0f} {after:8.0f} {before / after:13.1f}x {over:+11.0f} "
            f"{after / bare:9.2f}x {'<= +' + format(target, '.0f') + ' ' + unit:>13}  {ok}"
        )


def _provision(variant: Variant, environment: dict[str, str]) -> None:
    """The variant's own code creates its table and bucket and seeds them; keeps its token and its
    functions' Handlers."""
    print(f"provisioning {variant.name} ({variant.root}) ...", file=sys.stderr)
    seeded = subprocess.run(
        [sys.executable, "-c", _SEED],
        cwd=variant.root,
        env=environment | {"PYTHONPATH": str(variant.root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"provisioning {variant.name} failed:\n{seeded.stderr[-2000:]}")
    provisioned = json.loads(seeded.stdout.strip().splitlines()[-1])
    variant.token = provisioned["token"]
    variant.handlers = provisioned["handlers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BASELINE_REV, help=f"the 'before' commit ({BASELINE_REV})")
    parser.add_argument("--runs", type=int, default=RUNS, help="fresh processes per cell (median)")
    options = parser.parse_args()
    runs: int = options.runs

    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    bare_times: list[float] = []
    bare_cpu: list[float] = []
    bare_rss: list[float] = []
    try:
        with _checkout(options.before) as before_root, tempfile.TemporaryDirectory() as data_dir:
            variants = [Variant("before", before_root, "bench-before"), Variant("after", ROOT, "bench-after")]
            environments = {v.name: _environment(endpoint, v.table, data_dir) for v in variants}
            objects: Objects = {}
            for variant in variants:
                _provision(variant, environments[variant.name])
                objects |= _put_objects(endpoint, variant, runs)
            for run in range(runs):
                print(f"run {run + 1}/{runs} ...", file=sys.stderr)
                bare_environment = environments["after"] | {"AWS_LAMBDA_FUNCTION_NAME": "clientele-bench"}
                elapsed, cpu, rss = _run(_BARE, ROOT, bare_environment)
                bare_times.append(elapsed)
                bare_cpu.append(cpu)
                bare_rss.append(rss)
                # Alternate which tree goes first, so a drift of the machine's load favours neither.
                for variant in variants if run % 2 == 0 else variants[::-1]:
                    _measure(variant, environments[variant.name], run, objects)
    finally:
        server.stop()

    before, after = variants
    labels = [label for label, _entry, _key in ENTRY_POINTS]
    median = statistics.median
    print("\nCold start per Lambda entry point: a fresh process imports its Handler's module (app.py for")
    print("the API, the handler's own module for an event function) and serves its first invocation")
    print(f"(median of {runs}; before = {options.before}; DynamoDB and S3: moto on 127.0.0.1)")
    _table(
        "wall time, ms",
        "ms",
        TARGET_MS,
        median(bare_times),
        [(label, median(before.times[label]), median(after.times[label])) for label in labels],
    )
    _table(
        "CPU time (user + system), ms: the same runs without the waits for a core",
        "ms",
        TARGET_MS,
        median(bare_cpu),
        [(label, median(before.cpu[label]), median(after.cpu[label])) for label in labels],
    )
    _table(
        "peak RSS, MiB",
        "MiB",
        TARGET_MB * 1e6 / MIB,
        median(bare_rss),
        [(label, median(before.rss[label]), median(after.rss[label])) for label in labels],
    )


if __name__ == "__main__":
    main()
