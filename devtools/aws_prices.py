"""AWS list prices for `make bench`'s monthly bill (devtools/bench_cost.py), region us-east-1.

One table, each price with the day it was last checked (`as_of`) and the page that publishes it.
Prices are on-demand list prices without free tiers (a shop past its first year pays them), in USD.
This machine has no network: the DynamoDB and SnapStart figures were checked against published
copies of those pages, the others are the list prices as last known. Check `source` before relying
on a figure; when a page shows another, change the row and its date here, and the bill follows.
"""

from __future__ import annotations

from dataclasses import dataclass

REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    as_of: str  # when the figure was taken from `source`
    source: str


LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
DYNAMODB_ON_DEMAND = "https://aws.amazon.com/dynamodb/pricing/on-demand/"

PRICES: dict[str, Price] = {
    # Lambda, x86_64 (the functions' architecture in infra/), first pricing tier.
    "lambda_request": Price(0.20 / 1e6, "request", "2026-12-02", LAMBDA_PRICING),
    "lambda_gb_second": Price(0.0000166667, "GB-second", "2026-12-02", LAMBDA_PRICING),
    # SnapStart (Python): the cached snapshot of each published version, for as long as it is
    # active, and each restore of an execution environment from it.
    "snapstart_cache_gb_second": Price(0.0000015046, "GB-second cached", "2026-12-02", LAMBDA_PRICING),
    "snapstart_restore_gb": Price(0.0001397998, "GB restored", "2026-12-02", LAMBDA_PRICING),
    # DynamoDB on demand, Standard table class (the prices of the 2024-11-01 reduction).
    "dynamodb_write_unit": Price(0.625 / 1e6, "write request unit", "2026-12-02", DYNAMODB_ON_DEMAND),
    "dynamodb_read_unit": Price(0.125 / 1e6, "read request unit", "2026-12-02", DYNAMODB_ON_DEMAND),
    "dynamodb_storage_gb_month": Price(0.25, "GB-month", "2026-12-02", DYNAMODB_ON_DEMAND),
    "dynamodb_pitr_gb_month": Price(0.20, "GB-month", "2026-12-02", DYNAMODB_ON_DEMAND),
    # API Gateway REST API (Chalice deploys one), first 333 million requests a month.
    "api_gateway_request": Price(
        3.50 / 1e6, "request", "2026-12-02", "https://aws.amazon.com/api-gateway/pricing/"
    ),
    # CloudFront, North America / Europe HTTPS requests (data transfer out left aside: pages are small).
    "cloudfront_request": Price(
        0.0100 / 10_000, "HTTPS request", "2026-12-02", "https://aws.amazon.com/cloudfront/pricing/"
    ),
    # S3 Standard.
    "s3_storage_gb_month": Price(0.023, "GB-month", "2026-12-02", "https://aws.amazon.com/s3/pricing/"),
    "s3_put": Price(
        0.005 / 1000, "PUT, COPY, POST or LIST", "2026-12-02", "https://aws.amazon.com/s3/pricing/"
    ),
    "s3_get": Price(
        0.0004 / 1000, "GET or other request", "2026-12-02", "https://aws.amazon.com/s3/pricing/"
    ),
    # SES: outbound messages, and inbound mail (per message plus per 256 KB chunk).
    "ses_outbound_message": Price(
        0.10 / 1000, "message sent", "2026-12-02", "https://aws.amazon.com/ses/pricing/"
    ),
    "ses_inbound_message": Price(
        0.10 / 1000, "message received", "2026-12-02", "https://aws.amazon.com/ses/pricing/"
    ),
    "ses_inbound_chunk": Price(
        0.09 / 1000, "256 KB chunk received", "2026-12-02", "https://aws.amazon.com/ses/pricing/"
    ),
    # EventBridge: scheduled rules and AWS service events on the default bus are not charged.
    "eventbridge_scheduled_event": Price(
        0.0, "scheduled event", "2026-12-02", "https://aws.amazon.com/eventbridge/pricing/"
    ),
    # CloudWatch: log ingestion and storage (Standard class), standard-resolution alarms.
    "logs_ingested_gb": Price(
        0.50, "GB ingested", "2026-12-02", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "logs_stored_gb_month": Price(
        0.03, "GB-month archived", "2026-12-02", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "alarm_month": Price(0.10, "alarm-month", "2026-12-02", "https://aws.amazon.com/cloudwatch/pricing/"),
    "custom_metric_month": Price(
        0.30, "metric-month", "2026-12-02", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    # X-Ray traces recorded (prod and dev trace every function: .chalice/config.json "xray").
    "xray_trace": Price(5.00 / 1e6, "trace recorded", "2026-12-02", "https://aws.amazon.com/xray/pricing/"),
    # Secrets Manager, KMS customer managed keys.
    "secret_month": Price(
        0.40, "secret-month", "2026-12-02", "https://aws.amazon.com/secrets-manager/pricing/"
    ),
    "secret_api_call": Price(
        0.05 / 10_000, "API call", "2026-12-02", "https://aws.amazon.com/secrets-manager/pricing/"
    ),
    "kms_key_month": Price(1.00, "key-month", "2026-12-02", "https://aws.amazon.com/kms/pricing/"),
    "kms_request": Price(0.03 / 10_000, "request", "2026-12-02", "https://aws.amazon.com/kms/pricing/"),
    # SQS (dead-letter queues only: nothing is sent to them in a healthy month).
    "sqs_request": Price(0.40 / 1e6, "request", "2026-12-02", "https://aws.amazon.com/sqs/pricing/"),
    # AWS WAF: each web ACL, each rule (a managed rule group counts as one), each request inspected.
    "waf_web_acl_month": Price(5.00, "web ACL-month", "2026-12-02", "https://aws.amazon.com/waf/pricing/"),
    "waf_rule_month": Price(1.00, "rule-month", "2026-12-02", "https://aws.amazon.com/waf/pricing/"),
    "waf_request": Price(0.60 / 1e6, "request", "2026-12-02", "https://aws.amazon.com/waf/pricing/"),
}
