"""The arithmetic of `make bench`'s monthly AWS bill: measured usage per operation x how often the
reference shop runs it → line items in USD at the prices of devtools/aws_prices.py.

No measuring here (devtools/bench_cost.py measures): every function is plain arithmetic over its
arguments, so tests/unit/test_cost_model.py can pin it with hand-checked figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from devtools.aws_prices import PRICES, Price

GB = 1024**3
SECONDS_PER_MONTH = 30 * 24 * 3600
# Lambda's own lines per invocation (START, END, REPORT; REPORT names the request id, durations
# and memory): about this many bytes, on top of what the function logs.
LAMBDA_PLATFORM_LOG_BYTES = 330
# One API Gateway access-log line (infra/edge.py ACCESS_LOG_FORMAT, about 20 `$context` fields).
ACCESS_LOG_BYTES = 420
# Lambda's own X-Ray sampling of a function traced `Active` with no sampled caller upstream (fixed by
# Lambda: https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html): 1 a second, then 5 %.
LAMBDA_TRACE_RESERVOIR_PER_SECOND = 1
LAMBDA_TRACE_RATE = 0.05

Prices = Mapping[str, Price]


@dataclass(frozen=True)
class Usage:
    """What one run of an operation uses, as measured: Lambda invocations and their billed time,
    API requests, DynamoDB units, log volume, S3 and SES traffic, DynamoDB bytes it leaves."""

    invocations: int = 0
    billed_ms: float = 0.0  # summed over the invocations, each rounded up to 1 ms as Lambda bills
    memory_mb: int = 0
    api_requests: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    log_bytes: float = 0.0  # what the function logs (Lambda's and API Gateway's lines are added)
    s3_puts: int = 0
    s3_gets: int = 0
    s3_bytes_stored: float = 0.0  # bytes it leaves in the bucket (kept for the whole month)
    mails_sent: int = 0
    mails_received: int = 0
    mail_chunks_received: int = 0  # 256 KB chunks of the received mails
    table_bytes_added: float = 0.0  # base items + index items it adds to the table


@dataclass(frozen=True)
class Operation:
    name: str
    per_month: float
    usage: Usage
    function: str = ""  # the Lambda function that runs it (its logical name in the template)


@dataclass(frozen=True)
class TraceSampling:
    """Requests a month that reach one X-Ray sampler, and its rule: `reservoir` a second traced,
    then `rate` of the rest."""

    requests: float
    reservoir_per_second: int
    rate: float


@dataclass(frozen=True)
class FixedResources:
    """What the stack keeps whatever the traffic (counted in its synthesised template)."""

    alarms: int = 0
    custom_metrics: int = 0  # distinct metric names the functions publish (EMF)
    secrets: int = 0
    kms_keys: int = 0
    table_bytes: float = 0.0  # the table's size at the start of the month (the 50,000 customers)
    log_retention_days: int = 30
    point_in_time_recovery: bool = True
    # X-Ray: one entry per sampler that decides (the API stage's rule, Lambda's own for a function
    # traced Active); none when nothing is traced.
    tracing: tuple[TraceSampling, ...] = ()
    web_acls: int = 0
    waf_rules: int = 0
    # SnapStart: (memory MB, published versions kept, restores a month) per function with it on.
    snapstart: tuple[tuple[int, int, float], ...] = ()


@dataclass(frozen=True)
class LineItem:
    name: str
    usd: float
    quantity: str
    group: str = "application"  # "application", "waf" or "snapstart"
    halve: str = ""  # what would halve it


@dataclass
class Totals:
    """The month's usage summed over the operations."""

    invocations: float = 0.0
    gb_seconds: float = 0.0
    api_requests: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0
    log_bytes: float = 0.0
    s3_puts: float = 0.0
    s3_gets: float = 0.0
    s3_bytes_stored: float = 0.0
    mails_sent: float = 0.0
    mails_received: float = 0.0
    mail_chunks_received: float = 0.0
    table_bytes_added: float = 0.0
    by_function_gb_seconds: dict[str, float] = field(default_factory=dict)


def totals(operations: Iterable[Operation]) -> Totals:
    total = Totals()
    for operation in operations:
        usage, times = operation.usage, operation.per_month
        gb_seconds = times * usage.billed_ms / 1000 * usage.memory_mb / 1024
        total.invocations += times * usage.invocations
        total.gb_seconds += gb_seconds
        total.by_function_gb_seconds[operation.name] = gb_seconds
        total.api_requests += times * usage.api_requests
        total.read_units += times * usage.read_units
        total.write_units += times * usage.write_units
        total.log_bytes += times * (
            usage.log_bytes
            + usage.invocations * LAMBDA_PLATFORM_LOG_BYTES
            + usage.api_requests * ACCESS_LOG_BYTES
        )
        total.s3_puts += times * usage.s3_puts
        total.s3_gets += times * usage.s3_gets
        total.s3_bytes_stored += times * usage.s3_bytes_stored
        total.mails_sent += times * usage.mails_sent
        total.mails_received += times * usage.mails_received
        total.mail_chunks_received += times * usage.mail_chunks_received
        total.table_bytes_added += times * usage.table_bytes_added
    return total


def monthly_bill(
    operations: Iterable[Operation], fixed: FixedResources, prices: Prices = PRICES
) -> list[LineItem]:
    """The month's line items, application first, then WAF and SnapStart (separate groups)."""
    total = totals(operations)

    def cost(key: str, quantity: float) -> float:
        return quantity * prices[key].usd

    # The table grows through the month: on average it holds half of what the month adds.
    table_gb = (fixed.table_bytes + total.table_bytes_added / 2) / GB
    logs_gb = total.log_bytes / GB
    # Log storage: what the retention keeps, once it has filled (a month's ingest x retention / 30).
    logs_stored_gb = logs_gb * fixed.log_retention_days / 30
    items = [
        LineItem(
            "Lambda compute",
            cost("lambda_gb_second", total.gb_seconds),
            f"{total.gb_seconds:,.0f} GB-s",
            halve="halve the busiest functions' memory where their duration allows, or arm64 (-20%)",
        ),
        LineItem(
            "Lambda requests",
            cost("lambda_request", total.invocations),
            f"{total.invocations:,.0f} invocations",
            halve="fewer API calls per order (a cart's line updates sent as one request)",
        ),
        LineItem(
            "API Gateway (REST)",
            cost("api_gateway_request", total.api_requests),
            f"{total.api_requests:,.0f} requests",
            halve="an HTTP API ($1.00/M) instead of the REST API",
        ),
        LineItem(
            "CloudFront requests",
            cost("cloudfront_request", total.api_requests),
            f"{total.api_requests:,.0f} requests",
            halve="cache the storefront's public reads (titles, pricing) at the edge",
        ),
        LineItem(
            "DynamoDB writes",
            cost("dynamodb_write_unit", total.write_units),
            f"{total.write_units:,.0f} WRU",
            halve="narrower projections of the overloaded indexes: a checkout's transaction writes the"
            " order and the cart whole into their indexes (GSI1-GSI3), each unit twice",
        ),
        LineItem(
            "DynamoDB reads",
            cost("dynamodb_read_unit", total.read_units),
            f"{total.read_units:,.0f} RRU",
            halve="cache the employee behind a back-office token for a few seconds",
        ),
        LineItem(
            "DynamoDB storage",
            cost("dynamodb_storage_gb_month", table_gb),
            f"{table_gb:,.3f} GB",
            halve="narrower projections of the overloaded indexes (orders, carts, addresses and threads"
            " are copied whole into GSI1-GSI9; the profile's own indexes hold keys only)",
        ),
    ]
    if fixed.point_in_time_recovery:
        items.append(
            LineItem(
                "DynamoDB point-in-time recovery",
                cost("dynamodb_pitr_gb_month", table_gb),
                f"{table_gb:,.3f} GB",
                halve="the same projections (PITR is billed on the table's size)",
            )
        )
    items += [
        LineItem(
            "S3 requests",
            cost("s3_put", total.s3_puts) + cost("s3_get", total.s3_gets),
            f"{total.s3_puts:,.0f} PUT, {total.s3_gets:,.0f} GET",
            halve="-",
        ),
        LineItem(
            "S3 storage",
            cost("s3_storage_gb_month", total.s3_bytes_stored / GB),
            f"{total.s3_bytes_stored / GB:,.3f} GB",
            halve="expire import files and raw mails sooner",
        ),
        LineItem(
            "SES",
            cost("ses_outbound_message", total.mails_sent)
            + cost("ses_inbound_message", total.mails_received)
            + cost("ses_inbound_chunk", total.mail_chunks_received),
            f"{total.mails_sent:,.0f} sent, {total.mails_received:,.0f} received",
            halve="support mail by the IMAP/POP3 poll instead of SES receiving (the received half)",
        ),
        LineItem(
            "EventBridge schedules",
            0.0,
            "scheduled rules: no charge",
            halve="-",
        ),
        LineItem(
            "CloudWatch Logs",
            cost("logs_ingested_gb", logs_gb) + cost("logs_stored_gb_month", logs_stored_gb),
            f"{logs_gb:,.3f} GB in, {logs_stored_gb:,.3f} GB kept",
            halve="a shorter retention (90 days in prod) or the Infrequent Access log class",
        ),
        LineItem(
            "CloudWatch alarms",
            cost("alarm_month", fixed.alarms),
            f"{fixed.alarms} alarms",
            halve="drop the API's Throttles alarm (WAF's rate limits keep it quiet); folding it into the"
            " Errors one saves nothing: a metric-math alarm is billed per metric it reads",
        ),
        LineItem(
            "CloudWatch custom metrics",
            cost("custom_metric_month", fixed.custom_metrics),
            f"{fixed.custom_metrics} metrics (EMF)",
            halve="keep the mail outcome counters as log fields instead of metrics",
        ),
        LineItem(
            "Secrets Manager",
            cost("secret_month", fixed.secrets),
            f"{fixed.secrets} secrets",
            halve="the origin header, mailbox password and cookie key as keys of one JSON secret (4 -> 2;"
            " CloudFormation generates one value per secret, and the signing key, read by every"
            " function, stays apart)",
        ),
        LineItem(
            "KMS key",
            cost("kms_key_month", fixed.kms_keys),
            f"{fixed.kms_keys} keys",
            halve="one key, the alarm topic's: an unencrypted topic (alarm mails carry no personal data)"
            " would drop it, against cdk-nag's SNS2",
        ),
    ]
    if fixed.tracing:
        traces = sum(traces_recorded(sampler) for sampler in fixed.tracing)
        traced = sum(sampler.requests for sampler in fixed.tracing)
        items.append(
            LineItem(
                "X-Ray traces",
                cost("xray_trace", traces),
                f"{traces:,.0f} traces of {traced:,.0f} requests",
                halve="halve the prod stage's traceSampleRate (cdk.json; the rule changes without a deploy"
                " of the code)",
            )
        )
    # WAF: both web ACLs see an API request that comes through CloudFront (edge and stage).
    waf_requests = total.api_requests * fixed.web_acls
    items += [
        LineItem(
            "WAF web ACLs and rules",
            cost("waf_web_acl_month", fixed.web_acls) + cost("waf_rule_month", fixed.waf_rules),
            f"{fixed.web_acls} ACLs, {fixed.waf_rules} rules",
            group="waf",
            halve="only the CloudFront ACL (the stage refuses calls without the origin secret anyway)",
        ),
        LineItem(
            "WAF requests",
            cost("waf_request", waf_requests),
            f"{waf_requests:,.0f} inspected",
            group="waf",
            halve="-",
        ),
    ]
    cached_gb_seconds = sum(
        memory / 1024 * versions * SECONDS_PER_MONTH for memory, versions, _ in fixed.snapstart
    )
    restored_gb = sum(memory / 1024 * restores for memory, _, restores in fixed.snapstart)
    items += [
        LineItem(
            "SnapStart cache",
            cost("snapstart_cache_gb_second", cached_gb_seconds),
            f"{len(fixed.snapstart)} functions, {cached_gb_seconds:,.0f} GB-s",
            group="snapstart",
            halve="SnapStart on the API function only (the schedules' cold starts wait for nobody)",
        ),
        LineItem(
            "SnapStart restores",
            cost("snapstart_restore_gb", restored_gb),
            f"{restored_gb:,.1f} GB restored",
            group="snapstart",
            halve="-",
        ),
    ]
    return items


def traces_recorded(sampler: TraceSampling) -> float:
    """Traces a month from one sampler, its requests spread evenly over the month (Poisson arrivals):
    each second the first `reservoir` requests are traced, then `rate` of the others. Bursty traffic
    fills the reservoir less often than even traffic, so this is the upper figure."""
    per_second = sampler.requests / SECONDS_PER_MONTH
    if per_second == 0:
        return 0.0
    # E[min(N, r)] for N ~ Poisson(per_second): the sum over k < r of P(N > k).
    probability, below = math.exp(-per_second), 0.0
    reserved = 0.0
    for k in range(sampler.reservoir_per_second):
        below += probability
        reserved += 1 - below
        probability *= per_second / (k + 1)
    traced_per_second = reserved + sampler.rate * (per_second - reserved)
    return traced_per_second * SECONDS_PER_MONTH


def group_total(items: Iterable[LineItem], group: str) -> float:
    return sum(item.usd for item in items if item.group == group)


def read_units(operation: str, sizes: Sequence[int], scanned: int | None = None) -> float:
    """DynamoDB's read request units for one response carrying items of `sizes` bytes.

    Every read here is eventually consistent (the app asks for no strongly consistent read): half a
    unit per started 4 KB. GetItem and BatchGetItem round each item up; Query and Scan round the
    total, including the items a filter dropped (`scanned` of them were read, scaled from the ones
    returned); a request that finds nothing still costs half a unit. TransactGetItems bills each item
    twice a strong read."""
    if operation in ("GetItem", "BatchGetItem"):
        if not sizes:
            return 0.5 if operation == "GetItem" else 0.0
        return sum(0.5 * max(1, _units_4k(size)) for size in sizes)
    if operation in ("Query", "Scan"):
        read = sum(sizes) * (scanned or len(sizes)) / max(1, len(sizes))
        return 0.5 * max(1, _units_4k(math.ceil(read)))
    if operation == "TransactGetItems":
        return sum(2.0 * max(1, _units_4k(size)) for size in sizes)
    return 0.0


def _units_4k(size: int) -> int:
    return math.ceil(size / 4096)


def billed_ms(elapsed_ms: float) -> int:
    """Lambda bills each invocation's duration rounded up to the millisecond."""
    return max(1, math.ceil(elapsed_ms))
