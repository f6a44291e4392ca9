"""`make bench` (what it costs to run, issue 19 goal 7): the monthly AWS bill of a reference shop,
from usage measured here and the list prices of devtools/aws_prices.py.

The reference shop: 50,000 customers, 1,000 orders a day (each a new cart, five line updates, the
checkout), 200 support threads a day (each a mail received through SES, then one thread-list page,
one thread view and one reply in the back office), one 10,000-row customer import a month, every
schedule of the app at its rate — plus, assumed here and named as such, a back office that opens
100 customer views, 50 list pages and 50 searches a day.

Measured, per operation, by running it against moto through the real entry points — `app(event,
context)` for routes, the app's own handlers for schedules and S3 events — over the real
composition root:
- DynamoDB read and write request units: each response's items priced by DynamoDB's rules (4 KB
  read units, halved when eventually consistent; 1 KB write units over the base item and every
  index item it lands in, as devtools/bench_writes.py prices them; transactions twice), from the
  items themselves, so the bill follows whatever projections the models declare;
- Lambda duration: the call's wall time here minus the time spent inside moto, plus one DynamoDB or
  S3 round trip (DYNAMODB_ROUND_TRIP_MS, an assumption) per request; memory from the synthesised
  prod template (tests/snapshots/template-prod.json, itself from .chalice/config.json);
- log bytes (the app's logs at the deployed INFO level, and the metrics' EMF lines), S3 requests,
  mails sent (the mailer), and the bytes each operation adds to the table.
The import is measured on BENCH_COST_IMPORT_ROWS rows (default 1,000) and scaled to 10,000.
Alarms, secrets, KMS keys, web ACLs and their rules are counted in the prod template, and who
samples the X-Ray traces is read there (the API stage's sampling rule, each function's Tracing); the
"before" column prices the same measured month over the template of BENCH_COST_BEFORE. WAF and
SnapStart are separate lines, added to the total with and without.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("CLIENTELE_STAGE", "test")
os.environ.setdefault("CLIENTELE_TABLE_NAME", "clientele-bench")
os.environ.setdefault("CLIENTELE_BUCKET_NAME", "clientele-bench")
os.environ.setdefault("CLIENTELE_TOKEN_SECRET", "bench-" + "b" * 40)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "clientele")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Clientele")
os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"  # the deployed level: the log volume is the deployed one
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[_name] = "bench"
os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = "us-east-1"
os.environ.pop("AWS_ENDPOINT_URL", None)

from devtools.bench import FIRST, LAST, NOW  # noqa: E402
from devtools.bench_writes import (  # noqa: E402
    Item,
    Projections,
    Recorder,
    index_storage,
    item_size,
    model_projections,
    units,
    write_units,
)
from devtools.cost_model import (  # noqa: E402
    LAMBDA_TRACE_RATE,
    LAMBDA_TRACE_RESERVOIR_PER_SECOND,
    FixedResources,
    LineItem,
    Operation,
    TraceSampling,
    Usage,
    billed_ms,
    group_total,
    monthly_bill,
    read_units,
)

DAYS = 30
CUSTOMERS = 50_000
ORDERS_PER_DAY = 1_000
CART_UPDATES_PER_DAY = 5_000
THREADS_PER_DAY = 200
IMPORT_ROWS_PER_MONTH = 10_000
# Assumed back-office activity (the issue names none): opened pages per day.
VIEWS_PER_DAY, LIST_PAGES_PER_DAY, SEARCHES_PER_DAY = 100, 50, 50
# Assumed: one request from a function to DynamoDB or S3 in the same region, round trip.
DYNAMODB_ROUND_TRIP_MS = 6.0
# Assumed for SnapStart: an execution environment lives about an hour, so each function with
# SnapStart is restored at most once an hour (fewer when it runs less often).
RESTORES_PER_FUNCTION_MONTH = 24 * DAYS
SAMPLES = int(os.environ.get("BENCH_COST_SAMPLES", "10"))
IMPORT_ROWS = int(os.environ.get("BENCH_COST_IMPORT_ROWS", "1000"))
TARGET_USD = 10.0
TEMPLATE = Path(__file__).resolve().parent.parent / "tests" / "snapshots" / "template-prod.json"
# "before": the same measured month priced over the prod template of this revision (the stack before
# the one-DLQ alarms and the API's sampled tracing); empty to leave the column out.
BEFORE_REVISION = os.environ.get("BENCH_COST_BEFORE", "38dda6a")
PASSWORD = "correct horse battery staple"  # noqa: S105 - the bench's throwaway accounts


@dataclass
class Meter:
    """DynamoDB units, AWS requests and the time spent inside moto, from botocore's events.

    `reader` is a client of its own for the items before and after each write; the time those
    reads take is counted with moto's, so it never lands in the function's measured duration."""

    reader: Any
    recorder: Recorder = field(init=False)
    projections: Projections = field(default_factory=model_projections)
    read_units: float = 0.0
    write_units: float = 0.0
    requests: int = 0
    s3_puts: int = 0
    s3_gets: int = 0
    table_bytes_added: int = 0
    aws_ns: int = 0
    _started: int = 0
    _checked: list[Item | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.recorder = Recorder(self.read)

    def read(self, table: str, key: dict[str, Any]) -> Item | None:
        started = time.perf_counter_ns()
        try:
            found: Item | None = self.reader.get_item(TableName=table, Key=key).get("Item")
            return found
        finally:
            self.aws_ns += time.perf_counter_ns() - started

    def reset(self) -> None:
        self.read_units = self.write_units = 0.0
        self.requests = self.s3_puts = self.s3_gets = self.table_bytes_added = self.aws_ns = 0
        self.recorder.take()

    def before_params(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.recorder.before_call(params, model, **kwargs)
        # A transaction's condition checks are billed like its writes (on the checked item's size).
        self._checked = [
            self.read(entry["ConditionCheck"]["TableName"], entry["ConditionCheck"]["Key"])
            for entry in params.get("TransactItems", [])
            if "ConditionCheck" in entry
        ]

    def before_call(self, **_: Any) -> None:
        self._started = time.perf_counter_ns()

    def after_dynamodb(self, model: Any, parsed: dict[str, Any], **kwargs: Any) -> None:
        self.aws_ns += time.perf_counter_ns() - self._started
        self.requests += 1
        self.read_units += _read_units(model.name, parsed)
        changes_before = len(self.recorder.changes)
        self.recorder.after_call(model, **kwargs)
        factor = 2 if model.name == "TransactWriteItems" else 1
        for old, new in self.recorder.changes[changes_before:]:
            base = units(max(item_size(old or {}), item_size(new or {})))
            indexes = write_units(old, new, self.projections) - base
            self.write_units += factor * base + indexes
            self.table_bytes_added += _stored(new, self.projections) - _stored(old, self.projections)
        self.write_units += sum(2 * max(1, units(item_size(item or {}))) for item in self._checked)
        self._checked = []

    def after_s3(self, model: Any, **_: Any) -> None:
        self.aws_ns += time.perf_counter_ns() - self._started
        self.requests += 1
        if model.name in (
            "PutObject",
            "CopyObject",
            "ListObjectsV2",
            "DeleteObjects",
            "CreateMultipartUpload",
        ):
            self.s3_puts += 1
        else:
            self.s3_gets += 1


def _stored(item: Item | None, projections: Projections) -> int:
    if item is None:
        return 0
    return item_size(item) + 100 + index_storage(item, projections)  # 100 B: DynamoDB's per-item overhead


def _read_units(operation: str, parsed: dict[str, Any]) -> float:
    """The read units of one response, from the sizes of the items it carries."""
    if operation == "GetItem":
        return read_units(operation, [item_size(parsed["Item"])] if parsed.get("Item") else [])
    if operation in ("Query", "Scan"):
        items = parsed.get("Items", [])
        sizes = [item_size(item) for item in items]
        return read_units(operation, sizes, scanned=int(parsed.get("ScannedCount", len(items))))
    if operation == "BatchGetItem":
        responses = parsed.get("Responses", {}).values()
        return read_units(operation, [item_size(item) for items in responses for item in items])
    if operation == "TransactGetItems":
        entries = parsed.get("Responses", [])
        return read_units(operation, [item_size(entry.get("Item") or {}) for entry in entries])
    return 0.0


class LogSink(io.TextIOBase):
    """Where the app's log lines and EMF metric lines go: their size and the metric names."""

    def __init__(self) -> None:
        self.bytes = 0
        self.metrics: set[str] = set()

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        if '"_aws"' in text:
            for line in text.splitlines():
                with contextlib.suppress(ValueError):
                    document = json.loads(line)
                    for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
                        self.metrics.update(metric["Name"] for metric in directive.get("Metrics", []))
        return len(text)


@dataclass(frozen=True)
class Template:
    """What the prod template says about the functions and the fixed resources."""

    memory_mb: dict[str, int]
    alarms: int
    secrets: int
    kms_keys: int
    web_acls: int
    waf_rules: int
    snapstart_functions: tuple[str, ...]
    tracing: dict[str, str]  # function → its Tracing mode (Active, PassThrough)
    # The API stage's X-Ray sampling rule (reservoir a second, rate) when API Gateway traces.
    api_sampling: tuple[int, float] | None

    @classmethod
    def read(cls, path: Path = TEMPLATE) -> Template:
        return cls.parse(path.read_text())

    @classmethod
    def at_revision(cls, revision: str) -> Template | None:
        """The prod template as committed at `revision` (git), or None when git cannot show it."""
        found = subprocess.run(
            ["git", "show", f"{revision}:{TEMPLATE.relative_to(TEMPLATE.parents[2])}"],
            cwd=TEMPLATE.parents[2],
            capture_output=True,
            text=True,
            check=False,
        )
        return cls.parse(found.stdout) if found.returncode == 0 else None

    @classmethod
    def parse(cls, text: str) -> Template:
        resources = json.loads(text)["Resources"]
        memory: dict[str, int] = {}
        snapstart: list[str] = []
        tracing: dict[str, str] = {}
        for name, resource in resources.items():
            if resource["Type"] == "AWS::Serverless::Function":
                properties = resource["Properties"]
                memory[name] = int(properties.get("MemorySize", 128))
                tracing[name] = str(properties.get("Tracing", "PassThrough"))
                if properties.get("SnapStart", {}).get("ApplyOn") == "PublishedVersions":
                    snapstart.append(name)

        def count(kind: str) -> int:
            return sum(1 for resource in resources.values() if resource["Type"] == kind)

        acls = [r for r in resources.values() if r["Type"] == "AWS::WAFv2::WebACL"]
        rules = [
            r["Properties"]["SamplingRule"]
            for r in resources.values()
            if r["Type"] == "AWS::XRay::SamplingRule"
            and r["Properties"]["SamplingRule"].get("ServiceType") == "AWS::ApiGateway::Stage"
        ]
        api_traced = bool(resources.get("RestAPI", {}).get("Properties", {}).get("TracingEnabled"))
        api_sampling = None
        if api_traced:
            # Without a rule of its own the stage is sampled by X-Ray's default one (1 a second, 5 %).
            default_rule = {"ReservoirSize": 1, "FixedRate": 0.05}
            rule = min(rules, key=lambda r: int(r["Priority"])) if rules else default_rule
            api_sampling = (int(rule["ReservoirSize"]), float(rule["FixedRate"]))
        return cls(
            memory_mb=memory,
            alarms=count("AWS::CloudWatch::Alarm"),
            secrets=count("AWS::SecretsManager::Secret"),
            kms_keys=count("AWS::KMS::Key"),
            web_acls=len(acls),
            waf_rules=sum(len(acl["Properties"].get("Rules", [])) for acl in acls),
            snapstart_functions=tuple(snapstart),
            tracing=tracing,
            api_sampling=api_sampling,
        )

    def samplers(self, invocations: dict[str, float], api_requests: float) -> tuple[TraceSampling, ...]:
        """Who decides which requests are traced: the API stage's rule for the API's requests (the
        API function follows it), Lambda's own sampling for a function traced Active with nobody
        upstream; a PassThrough function with nobody upstream is never traced."""
        found: list[TraceSampling] = []
        for name, mode in sorted(self.tracing.items()):
            if name == "APIHandler" and self.api_sampling is not None:
                found.append(TraceSampling(api_requests, *self.api_sampling))
            elif mode == "Active":
                found.append(
                    TraceSampling(
                        invocations.get(name, 0.0), LAMBDA_TRACE_RESERVOIR_PER_SECOND, LAMBDA_TRACE_RATE
                    )
                )
        return tuple(found)

    @staticmethod
    def logical(handler: str) -> str:
        """Chalice names a function after its handler: import_uploaded → ImportUploaded."""
        if handler == "api":
            return "APIHandler"
        return "".join(part.capitalize() for part in handler.replace("-", "_").split("_"))

    def memory_of(self, handler: str) -> int:
        return self.memory_mb[self.logical(handler)]


class Bench:
    """The app over moto, with the meters in place."""

    def __init__(self, app: Any, services: Any, meter: Meter, sink: LogSink, mailer: Any, template: Template):
        from chalice.local import LambdaEventConverter, RouteMatcher

        self.app, self.services, self.meter, self.sink, self.mailer = app, services, meter, sink, mailer
        self.template = template
        self.converter = LambdaEventConverter(RouteMatcher(list(app.routes)))

    def usage(self, handler: str, call: Callable[[], Any], *, api: bool) -> Usage:
        self.services.config.settings()  # a warm function: the shop configuration is cached
        self.meter.reset()
        logged, sent = self.sink.bytes, len(self.mailer.sent)
        started = time.perf_counter_ns()
        call()
        elapsed_ns = time.perf_counter_ns() - started
        in_process_ms = max(0.0, (elapsed_ns - self.meter.aws_ns) / 1e6)
        duration = in_process_ms + self.meter.requests * DYNAMODB_ROUND_TRIP_MS
        return Usage(
            invocations=1,
            billed_ms=billed_ms(duration),
            memory_mb=self.template.memory_of(handler),
            api_requests=1 if api else 0,
            read_units=self.meter.read_units,
            write_units=self.meter.write_units,
            log_bytes=self.sink.bytes - logged,
            s3_puts=self.meter.s3_puts,
            s3_gets=self.meter.s3_gets,
            mails_sent=len(self.mailer.sent) - sent,
            table_bytes_added=self.meter.table_bytes_added,
        )

    def http(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Usage:
        from chalice.local import LambdaContext

        raw = None if body is None else json.dumps(body).encode()
        event = self.converter.create_lambda_event(
            method=method, path=path, headers={"content-type": "application/json"} | headers, body=raw
        )
        context = LambdaContext(function_name="clientele-prod-APIHandler", memory_size=1024)
        holder: dict[str, Any] = {}
        usage = self.usage("api", lambda: holder.setdefault("response", self.app(event, context)), api=True)
        status = holder["response"]["statusCode"]
        if status >= 400:
            raise SystemExit(f"{method} {path}: {status} {holder['response']['body'][:300]}")
        self.last_body = json.loads(holder["response"]["body"] or "null")
        return usage

    def event(self, handler: str, event: dict[str, Any]) -> Usage:
        from devtools.events import LambdaContext

        context = LambdaContext(
            function_name=f"clientele-prod-{handler}",
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:us-east-1:000000000000:function:clientele-prod-{handler}",
            memory_limit_in_mb=self.template.memory_of(handler),
        )
        return self.usage(handler, lambda: self.app.handler_map[handler](event, context), api=False)


def mean_usage(samples: list[Usage]) -> Usage:
    """Units and volumes averaged; the billed time is the median (the shared machine's outliers)."""

    def mean(name: str) -> float:
        return statistics.fmean(float(getattr(sample, name)) for sample in samples)

    first = samples[0]
    return replace(
        first,
        billed_ms=statistics.median(sample.billed_ms for sample in samples),
        read_units=mean("read_units"),
        write_units=mean("write_units"),
        log_bytes=mean("log_bytes"),
        s3_puts=round(mean("s3_puts")),
        s3_gets=round(mean("s3_gets")),
        mails_sent=round(mean("mails_sent")),
        table_bytes_added=mean("table_bytes_added"),
    )


def _mail(number: int, customer_email: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = customer_email
    message["To"] = "support@shop-example.com"
    message["Subject"] = f"Question about order {number}"
    message["Message-ID"] = f"<cost-{number}@example.com>"
    message.set_content(
        f"Hello,\n\nwhere is my order {number}? It was due on Monday.\n\nThanks, a customer\n"
    )
    return message.as_bytes()


def measure(template: Template) -> tuple[list[Operation], set[str], int]:
    """Runs every operation SAMPLES times; returns the month's operations, the metric names seen
    and the table bytes of one customer (its profile, e-mail, group and address items)."""
    from moto import mock_aws

    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws(), tempfile.TemporaryDirectory() as folder:
        import boto3

        boto3.setup_default_session()
        from chalicelib import bootstrap
        from chalicelib.core.observability import logger
        from chalicelib.core.settings import get_settings
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container, use_container
        from tests.fakes.mail import MemoryMailer

        sink = LogSink()
        logger.registered_handler.setStream(sink)  # type: ignore[attr-defined]
        meter = Meter(boto3.client("dynamodb", region_name="us-east-1"))
        session_events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
        session_events.register("before-call.s3", meter.before_call)
        session_events.register("after-call.s3", meter.after_s3)
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        mailer = MemoryMailer()
        services = build_container(get_settings(), mailer=mailer, clock=lambda: NOW)
        use_container(services)
        services.config.seed_defaults()
        events = TableRecord._get_connection().connection.client.meta.events
        events.register("provide-client-params.dynamodb", meter.before_params)
        events.register("before-call.dynamodb", meter.before_call)
        events.register("after-call.dynamodb", meter.after_dynamodb)
        from app import app

        bench = Bench(app, services, meter, sink, mailer, template)
        try:
            with contextlib.redirect_stdout(sink):
                operations, customer_bytes = _run_operations(bench, Path(folder))
        finally:
            logger.registered_handler.setStream(sys.stdout)  # type: ignore[attr-defined]
            use_container(None)
    return operations, sink.metrics, customer_bytes


def _run_operations(bench: Bench, folder: Path) -> tuple[list[Operation], int]:
    from chalicelib.addresses.schemas import AddressRequest
    from chalicelib.customers.schemas import CreateCustomerRequest
    from chalicelib.staff.schemas import CreateEmployeeRequest
    from devtools.events import StoredObject, object_created_event, parse_schedule, scheduled_event

    services, meter = bench.services, bench.meter
    customers = []
    customer_bytes: list[int] = []
    for number in range(60):
        meter.reset()
        customer = services.customers.create(
            CreateCustomerRequest(
                first_name=FIRST[number % len(FIRST)],
                last_name=LAST[number % len(LAST)],
                email=f"customer{number}@example.com",
                newsletter=number % 3 == 0,
            )
        )
        services.addresses.create(
            customer.id,
            AddressRequest(
                alias="Home",
                first_name=customer.first_name,
                last_name=customer.last_name,
                address1=f"{number} Main Street",
                postcode="28001",
                city="Madrid",
                country="ES",
            ),
        )
        customer_bytes.append(meter.table_bytes_added)
        customers.append(customer)
    services.employees.create(
        CreateEmployeeRequest(
            email="owner@example.com", first_name="Olga", last_name="Owner", role="admin", password=PASSWORD
        )
    )
    staff = {
        "authorization": f"Bearer {services.auth.login('owner@example.com', PASSWORD, '192.0.2.1').token}"
    }
    shop_server = {"x-storefront-key": services.storefront_keys.create("Bench shop")[1]}
    measured: dict[str, tuple[str, float, list[Usage]]] = {}

    def sample(label: str, handler: str, per_month: float, usage: Usage) -> None:
        measured.setdefault(label, (handler, per_month, []))[2].append(usage)

    orders = ORDERS_PER_DAY * DAYS
    for number in range(SAMPLES):
        # A storefront order: a guest cart, five line updates, the checkout.
        usage = bench.http("POST", "/store/carts", shop_server, {"email": f"guest{number}@example.com"})
        sample("create cart", "api", orders, usage)
        cart_id, token = bench.last_body["id"], bench.last_body["cart_token"]
        shopper = shop_server | {"x-cart-token": token}
        for line in range(CART_UPDATES_PER_DAY // ORDERS_PER_DAY):
            usage = bench.http(
                "PUT",
                f"/store/carts/{cart_id}/lines/sku-{line}",
                shopper,
                {"quantity": 1 + line % 2, "unit_price": "12.50", "product_name": f"Product {line}"},
            )
            sample("cart line update", "api", CART_UPDATES_PER_DAY * DAYS, usage)
        checkout = {
            "payment_method": "card",
            "first_name": "Gus",
            "last_name": "Guest",
            "email": f"guest{number}@example.com",
        }
        usage = bench.http("POST", f"/store/carts/{cart_id}/checkout", shopper, checkout)
        sample("checkout", "api", orders, usage)
        # A support thread: the mail in through SES (S3 object → event → inbound_mail), then staff.
        key = f"inbound/cost-{number}"
        raw = _mail(number, customers[number].email)
        meter.reset()
        services.files.put(key, raw, "message/rfc822")  # SES's own PUT, counted below
        event = object_created_event(
            "clientele-bench", StoredObject(key, len(raw), "etag"), NOW, str(uuid.uuid4()), "us-east-1", "0"
        )
        usage = bench.event("inbound_mail", event)
        usage = replace(
            usage,
            s3_puts=usage.s3_puts + 1,
            s3_bytes_stored=len(raw),
            mails_received=1,
            mail_chunks_received=-(-len(raw) // (256 * 1024)),
        )
        threads = THREADS_PER_DAY * DAYS
        sample("support mail in (SES → inbound_mail)", "inbound_mail", threads, usage)
        sample("thread list page", "api", threads, bench.http("GET", "/admin/threads", staff))
        thread_id = bench.last_body["items"][0]["id"]
        sample("thread view", "api", threads, bench.http("GET", f"/admin/threads/{thread_id}", staff))
        usage = bench.http("POST", f"/admin/threads/{thread_id}/reply", staff, {"message": "It ships today."})
        sample("thread reply", "api", threads, usage)
        # The back office (assumed activity).
        customer = customers[number]
        sample(
            "customer view",
            "api",
            VIEWS_PER_DAY * DAYS,
            bench.http("GET", f"/admin/customers/{customer.id}", staff),
        )
        sample(
            "customer list page",
            "api",
            LIST_PAGES_PER_DAY * DAYS,
            bench.http("GET", "/admin/customers", staff),
        )
        usage = bench.http("GET", "/admin/search?q=mar&by=name", staff)
        sample("customer search", "api", SEARCHES_PER_DAY * DAYS, usage)
    # Every schedule of the app, at its rate.
    for source in bench.app.event_sources:
        if not hasattr(source, "schedule_expression"):
            continue
        interval = parse_schedule(source.schedule_expression).interval.total_seconds()
        runs = DAYS * 86400 / interval
        for _ in range(SAMPLES):
            event = scheduled_event(source.name, NOW, str(uuid.uuid4()), "us-east-1", "0")
            sample(
                f"schedule {source.name} ({source.schedule_expression})",
                source.name,
                runs,
                bench.event(source.name, event),
            )
    operations = [
        Operation(label, per_month, mean_usage(samples), Template.logical(handler))
        for label, (handler, per_month, samples) in measured.items()
    ]
    label = f"customer import ({IMPORT_ROWS_PER_MONTH:,} rows, measured on {IMPORT_ROWS:,})"
    operations.append(
        Operation(label, 1, _measure_import(bench, folder), Template.logical("import_uploaded"))
    )
    return operations, round(statistics.fmean(customer_bytes))


def _measure_import(bench: Bench, folder: Path) -> Usage:
    """One import of IMPORT_ROWS new customers through the import_uploaded handler, scaled to the
    month's IMPORT_ROWS_PER_MONTH."""
    from devtools.bench_imports import write_file
    from devtools.events import StoredObject, object_created_event

    services, meter = bench.services, bench.meter
    job, _ = services.imports.create_job("customers", "bench.csv", None)
    key = f"imports/{job.id}/bench.csv"
    path = folder / "bench.csv"
    write_file(path, IMPORT_ROWS, IMPORT_ROWS)
    data = path.read_bytes()
    meter.reset()
    services.files.put(key, data, "text/csv")  # the browser's presigned PUT
    event = object_created_event(
        "clientele-bench", StoredObject(key, len(data), "etag"), NOW, str(uuid.uuid4()), "us-east-1", "0"
    )
    usage = bench.event("import_uploaded", event)
    done = services.imports.get(job.id)
    if done.status != "completed":
        raise SystemExit(f"import ended {done.status}")
    # Scaled to the month's file: what grows with the rows (time, units, logs, reads of the file,
    # bytes) by the ratio of rows; the upload and the import's own reports are once per file.
    scale = IMPORT_ROWS_PER_MONTH / IMPORT_ROWS
    return replace(
        usage,
        billed_ms=usage.billed_ms * scale,
        read_units=usage.read_units * scale,
        write_units=usage.write_units * scale,
        log_bytes=usage.log_bytes * scale,
        s3_puts=usage.s3_puts + 1,
        s3_gets=round(usage.s3_gets * scale),
        s3_bytes_stored=len(data) * scale,
        table_bytes_added=usage.table_bytes_added * scale,
    )


def main() -> int:
    template = Template.read()
    print(f"measuring the reference shop's operations on moto ({SAMPLES} samples each) ...", file=sys.stderr)
    operations, metrics, customer_bytes = measure(template)
    items = monthly_bill(operations, fixed_resources(template, operations, len(metrics), customer_bytes))
    before_template = Template.at_revision(BEFORE_REVISION) if BEFORE_REVISION else None
    before = (
        monthly_bill(operations, fixed_resources(before_template, operations, len(metrics), customer_bytes))
        if before_template
        else None
    )
    _print_operations(operations)
    _print_bill(items, before, template, customer_bytes)
    return 0


def fixed_resources(
    template: Template, operations: list[Operation], custom_metrics: int, customer_bytes: int
) -> FixedResources:
    """What `template` deploys whatever the traffic, and who samples the month's traces."""
    invocations: dict[str, float] = {}
    for operation in operations:
        invocations[operation.function] = (
            invocations.get(operation.function, 0.0) + operation.per_month * operation.usage.invocations
        )
    # Priced for the functions the template gives SnapStart, or for every Python function of the
    # app while it gives it to none; one published version each, restored at most once an hour.
    snapstart_functions = template.snapstart_functions or tuple(
        name for name in template.memory_mb if not name.startswith("Custom")
    )
    snapstart = tuple(
        (template.memory_mb[name], 1, min(float(RESTORES_PER_FUNCTION_MONTH), invocations.get(name, 0.0)))
        for name in snapstart_functions
    )
    api_requests = sum(op.per_month * op.usage.api_requests for op in operations)
    return FixedResources(
        alarms=template.alarms,
        custom_metrics=custom_metrics,
        secrets=template.secrets,
        kms_keys=template.kms_keys,
        table_bytes=CUSTOMERS * customer_bytes,
        log_retention_days=90,
        point_in_time_recovery=True,
        tracing=template.samplers(invocations, api_requests),
        web_acls=template.web_acls,
        waf_rules=template.waf_rules,
        snapstart=snapstart,
    )


def _print_operations(operations: list[Operation]) -> None:
    print(
        "\nMeasured usage per run of each operation (moto, the real app; Lambda duration = in-process"
        f"\ntime + {DYNAMODB_ROUND_TRIP_MS:.0f} ms per DynamoDB/S3 request; +table B: the bytes it adds,"
        "\nbase and index items)\n"
    )
    header = (
        f"{'operation':<52} {'per month':>10} {'ms':>7} {'MB':>5} {'RRU':>7} {'WRU':>7} "
        f"{'log B':>7} {'+table B':>9}"
    )
    print(header)
    print("-" * len(header))
    for op in operations:
        u = op.usage
        print(
            f"{op.name:<52} {op.per_month:>10,.0f} {u.billed_ms:>7.0f} {u.memory_mb:>5} {u.read_units:>7.1f} "
            f"{u.write_units:>7.1f} {u.log_bytes:>7.0f} {u.table_bytes_added:>9.0f}"
        )


def _print_bill(
    items: list[LineItem], before: list[LineItem] | None, template: Template, customer_bytes: int
) -> None:
    application = sorted((i for i in items if i.group == "application"), key=lambda i: -i.usd)
    separate = [i for i in items if i.group != "application"]
    was = {item.name: item.usd for item in before or []}
    table_mb = CUSTOMERS * customer_bytes / 1e6
    print(
        "\nMonthly AWS bill of the reference shop (us-east-1 list prices of devtools/aws_prices.py;"
        f"\n{CUSTOMERS:,} customers at {customer_bytes:,} B each with their indexes = {table_mb:,.0f} MB)"
    )
    if before is not None:
        print(f"before: the same month over the prod template of {BEFORE_REVISION} (BENCH_COST_BEFORE=)")

    def row(name: str, usd: float, quantity: str, before_usd: float | None) -> str:
        if before is None or before_usd is None:
            return f"{name:<34} {usd:>10.2f}  {quantity}"
        return f"{name:<34} {before_usd:>8.2f} → {usd:>6.2f}  {quantity}"

    print(f"\n{'line item':<34} {'USD/month before → after' if before else 'USD/month':>10}  quantity")
    print("-" * 100)
    for item in application:
        print(row(item.name, item.usd, item.quantity, was.get(item.name, 0.0)))
    app_total = group_total(items, "application")
    app_before = group_total(before, "application") if before else None
    waf, snapstart = group_total(items, "waf"), group_total(items, "snapstart")
    verdict = "ok" if app_total <= TARGET_USD else "over"
    print("-" * 100)
    ratio = f" ({app_total / app_before:.2f}x)" if app_before else ""
    print(row("application", app_total, f"target <= {TARGET_USD:.0f} USD: {verdict}{ratio}", app_before))
    for item in separate:
        print(row(item.name, item.usd, item.quantity, was.get(item.name)))
    print(f"\n{'monthly total (after)':<34} {'without':>10} {'with':>10}")
    print(f"{'application + WAF':<34} {app_total:>10.2f} {app_total + waf:>10.2f}")
    print(f"{'application + SnapStart':<34} {app_total:>10.2f} {app_total + snapstart:>10.2f}")
    print(f"{'application + WAF + SnapStart':<34} {app_total:>10.2f} {app_total + waf + snapstart:>10.2f}")
    where = (
        f"on for {len(template.snapstart_functions)} functions in the prod template"
        if template.snapstart_functions
        else "off in the prod template: priced as if on for every Python function"
    )
    print(
        f"\nSnapStart {where}; one version cached per function, restored at most"
        f"\n{RESTORES_PER_FUNCTION_MONTH} times a month (an environment assumed to live about an hour)."
    )
    print("\nBiggest line items, and what would halve each:")
    for item in [*application[:4], max(separate, key=lambda i: i.usd)]:
        print(f"  {item.name} ({item.usd:.2f} USD): {item.halve}")


if __name__ == "__main__":
    raise SystemExit(main())
