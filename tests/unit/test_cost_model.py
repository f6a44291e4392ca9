"""devtools/cost_model.py: measured counts → dollars, checked by hand at fixed prices."""

from __future__ import annotations

import math

import pytest

from devtools.aws_prices import PRICES, Price
from devtools.cost_model import (
    GB,
    SECONDS_PER_MONTH,
    FixedResources,
    Operation,
    TraceSampling,
    Usage,
    billed_ms,
    group_total,
    monthly_bill,
    read_units,
    traces_recorded,
)

# Round prices, so each figure below can be checked on paper.
FLAT = {key: Price(1.0, price.unit, price.as_of, price.source) for key, price in PRICES.items()}


def bill(operations: list[Operation], fixed: FixedResources | None = None) -> dict[str, float]:
    return {item.name: item.usd for item in monthly_bill(operations, fixed or FixedResources(), FLAT)}


def test_lambda_compute_is_billed_milliseconds_times_memory() -> None:
    # 1,000 calls x 2 invocations of 250 ms at 512 MB: 1,000 x 0.5 s x 0.5 GB = 250 GB-s.
    usage = Usage(invocations=2, billed_ms=500, memory_mb=512)
    lines = bill([Operation("api", 1000, usage)])
    assert lines["Lambda compute"] == pytest.approx(250.0)
    assert lines["Lambda requests"] == pytest.approx(2000.0)


def test_requests_units_and_mail_are_counted_per_run() -> None:
    usage = Usage(
        invocations=1,
        api_requests=1,
        read_units=2.5,
        write_units=4,
        s3_puts=1,
        s3_gets=3,
        mails_sent=2,
        mails_received=1,
        mail_chunks_received=1,
    )
    lines = bill([Operation("order", 10, usage)])
    assert lines["API Gateway (REST)"] == pytest.approx(10.0)
    assert lines["CloudFront requests"] == pytest.approx(10.0)
    assert lines["DynamoDB reads"] == pytest.approx(25.0)
    assert lines["DynamoDB writes"] == pytest.approx(40.0)
    assert lines["S3 requests"] == pytest.approx(40.0)  # 10 PUT + 30 GET
    assert lines["SES"] == pytest.approx(40.0)  # 20 sent + 10 received + 10 chunks
    assert "X-Ray traces" not in lines  # nothing traced


def test_logs_add_lambdas_and_api_gateways_own_lines() -> None:
    # 1 GB of app logs exactly, with no invocation or request: 1 GB in, kept 60 of 30 days → 2 GB.
    usage = Usage(log_bytes=GB)
    lines = bill([Operation("x", 1, usage)], FixedResources(log_retention_days=60))
    assert lines["CloudWatch Logs"] == pytest.approx(1.0 + 2.0)
    with_lines = monthly_bill(
        [Operation("x", 1, Usage(invocations=1, api_requests=1))], FixedResources(log_retention_days=30), FLAT
    )
    [logs] = [item for item in with_lines if item.name == "CloudWatch Logs"]
    assert logs.usd == pytest.approx(2 * (330 + 420) / GB)


def test_storage_is_the_start_of_the_month_plus_half_what_it_adds() -> None:
    fixed = FixedResources(table_bytes=2 * GB, point_in_time_recovery=True)
    lines = bill([Operation("order", 1000, Usage(table_bytes_added=GB / 500))], fixed)
    assert lines["DynamoDB storage"] == pytest.approx(3.0)  # 2 GB + 2 GB / 2
    assert lines["DynamoDB point-in-time recovery"] == pytest.approx(3.0)


def test_fixed_resources_waf_and_snapstart_are_their_own_groups() -> None:
    fixed = FixedResources(alarms=28, secrets=4, kms_keys=1, web_acls=2, waf_rules=10)
    items = monthly_bill([Operation("api", 100, Usage(api_requests=1))], fixed, PRICES)
    assert group_total(items, "waf") == pytest.approx(2 * 5.00 + 10 * 1.00 + 200 * 0.60 / 1e6)
    application = {item.name: item.usd for item in items if item.group == "application"}
    assert application["CloudWatch alarms"] == pytest.approx(2.80)
    assert application["Secrets Manager"] == pytest.approx(1.60)
    assert application["KMS key"] == pytest.approx(1.00)
    # SnapStart: one 1 GB function, one version cached all month, restored 1,000 times.
    snap = monthly_bill([], FixedResources(snapstart=((1024, 1, 1000.0),)), PRICES)
    cache = 30 * 24 * 3600 * 0.0000015046
    assert group_total(snap, "snapstart") == pytest.approx(cache + 1000 * 0.0001397998)


def test_lambda_rounds_each_invocation_up_to_the_millisecond() -> None:
    assert [billed_ms(0.2), billed_ms(1.0), billed_ms(41.01)] == [1, 1, 42]


def test_read_units_follow_dynamodbs_rounding() -> None:
    assert read_units("GetItem", [100]) == 0.5  # eventually consistent, up to 4 KB
    assert read_units("GetItem", [5000]) == 1.0  # two started 4 KB
    assert read_units("GetItem", []) == 0.5  # nothing found still costs a read
    assert read_units("BatchGetItem", [100, 5000]) == 1.5  # each item rounded on its own
    # A Query rounds its total: 50 items of 200 B = 10,000 B = 3 started 4 KB, halved.
    assert read_units("Query", [200] * 50) == 1.5
    # Filtered: 10 returned of 40 read, so four times the returned bytes were read.
    assert read_units("Query", [1000] * 10, scanned=40) == 0.5 * 10
    assert read_units("Query", []) == 0.5
    assert read_units("TransactGetItems", [100, 100]) == 4.0


def test_traces_follow_the_samplers_reservoir_then_rate() -> None:
    # No reservoir: exactly the rate.
    assert traces_recorded(TraceSampling(200_000, 0, 0.05)) == pytest.approx(10_000)
    # One request a second on average, reservoir 1: P(N >= 1) = 1 - e^-1 of the seconds take one
    # from the reservoir, and 5 % of the rest (1 - that) are traced too.
    month = float(SECONDS_PER_MONTH)
    reserved = 1 - math.exp(-1)
    expected = (reserved + 0.05 * (1 - reserved)) * month
    assert traces_recorded(TraceSampling(month, 1, 0.05)) == pytest.approx(expected)
    # A quiet function (a run a minute) is traced nearly every time by Lambda's own 1 a second.
    assert traces_recorded(TraceSampling(43_200, 1, 0.05)) == pytest.approx(43_200, rel=0.01)
    assert traces_recorded(TraceSampling(0, 1, 0.05)) == 0.0


def test_xray_line_sums_every_sampler_at_the_trace_price() -> None:
    fixed = FixedResources(tracing=(TraceSampling(1000, 0, 0.5), TraceSampling(100, 0, 1.0)))
    lines = bill([], fixed)
    assert lines["X-Ray traces"] == pytest.approx(500 + 100)
