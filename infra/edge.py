"""The edge in AWS: what AWS WAF filters and throttles before a function runs, and what the logs keep.

Two web ACLs carry the same rules (`web_acl_rules`): a `CLOUDFRONT` one on the distribution (every
browser and storefront server comes through it) and a `REGIONAL` one on the API stage (the path that
skips CloudFront: execute-api called directly). Each has the AWS managed common and known-bad-inputs
rule groups and rate-based rules on the anonymous write routes. The rules are plain CloudFormation
(`AWS::WAFv2::WebACL` `Rules`), built here so tests/infra can read and evaluate them.

Logs: API Gateway's access log has a fixed list of `$context` fields (`ACCESS_LOG_FORMAT`) — no query
string, no body, no header — and CloudFront's standard logs (v2) have the fields of
`CLOUDFRONT_LOG_FIELDS` only: never `cs-uri-query` (the unsubscribe link's `?token=`), cookies,
the referrer (another page's URL, query string included) or `X-Forwarded-For`.
"""

from __future__ import annotations

import json
from typing import Any

# The header CloudFront adds on the API origin (its value: the origin secret); the app refuses a
# request to /store or /admin without it in stages that have CloudFront (issue 16 §1.5).
ORIGIN_VERIFY_HEADER = "X-Clientele-Origin-Verify"
# The shop's own server names itself with this header (the app checks the key before any password work).
STOREFRONT_KEY_HEADER = "X-Storefront-Key"

# The anonymous write routes (issue 16 §8). On the API stage WAF sees the stage in the path
# (`/api/store/login`), on CloudFront it does not: the pattern allows both. `/store/carts` covers
# creating a cart and the line/checkout writes below it.
RATE_LIMITED_EXACT = (
    "/store/login",
    "/admin/login",
    "/store/register",
    "/store/contact",
    "/store/password/forgot",
)
RATE_LIMITED_UNDER = ("/store/carts",)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Routes whose legitimate bodies exceed the common rule set's 8 KB SizeRestrictions_BODY: the contact
# form (multipart, one attachment up to 5 MB) and the admin's inline CSV import (up to the app's 1 MB
# body limit). The app enforces its own body limits on them (handlers/http.py raw_body).
LARGE_BODY_ROUTES = ("/store/contact", "/admin/customers/import")

RATE_WINDOW_SECONDS = 300
# Per client IP, requests without a storefront key, in 5 minutes: a person signing in, registering or
# writing to support stays far below; a script guessing passwords or filling carts does not.
ANONYMOUS_RATE_LIMIT = 100
# Per X-Storefront-Key value, in 5 minutes: one shop server speaks for all its shoppers. A made-up key
# gets its own bucket but buys nothing: the app answers 401 before any password work.
STOREFRONT_KEY_RATE_LIMIT = 20_000

COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
KNOWN_BAD_INPUTS_RULE_SET = "AWSManagedRulesKnownBadInputsRuleSet"
SIZE_RESTRICTIONS_BODY = "SizeRestrictions_BODY"
SIZE_RESTRICTIONS_BODY_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"

RATE_LIMITED_BODY_KEY = "rate-limited"
# The project's error shape ({"Code", "Message"}); the app's own throttles answer the same code.
CUSTOM_RESPONSE_BODIES: dict[str, Any] = {
    RATE_LIMITED_BODY_KEY: {
        "ContentType": "APPLICATION_JSON",
        "Content": json.dumps(
            {"Code": "Throttled", "Message": "Too many requests; try again in a few minutes."}
        ),
    }
}

# API Gateway access log: who, when, which route (the resource template, e.g. /store/carts/{cart_id},
# not the request's path or query string), the answer and its timing. No body, header or token.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
}
ACCESS_LOG_FORMAT = json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))

# CloudFront standard logging (v2) fields. Legacy standard logging always writes `cs-uri-query`,
# so the distribution logs through a CloudWatch Logs delivery with these fields only.
CLOUDFRONT_LOG_FIELDS = (
    "date",
    "time",
    "x-edge-location",
    "x-edge-request-id",
    "c-ip",
    "cs-method",
    "cs-uri-stem",
    "sc-status",
    "sc-bytes",
    "cs-bytes",
    "time-taken",
    "x-edge-result-type",
    "x-edge-detailed-result-type",
    "cs-protocol",
    "cs-protocol-version",
    "ssl-protocol",
)
# What the logs must never hold (tests/infra asserts it).
CLOUDFRONT_UNSAFE_FIELDS = ("cs-uri-query", "cs(Cookie)", "cs(Referer)", "x-forwarded-for", "cs(User-Agent)")


# WAF logs (blocked and counted requests only) never keep a credential: these headers and the query
# string are written as REDACTED. (The app sets no cookies; redacted anyway.)
WAF_LOG_REDACTED_HEADERS = (
    "authorization",
    "x-storefront-key",
    "x-cart-token",
    ORIGIN_VERIFY_HEADER.lower(),
    "cookie",
)
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"  # the prefix WAF requires of a CloudWatch Logs destination


def waf_logging_redactions() -> list[dict[str, Any]]:
    return [{"SingleHeader": {"Name": name}} for name in WAF_LOG_REDACTED_HEADERS] + [{"QueryString": {}}]


def waf_logging_filter() -> dict[str, Any]:
    """Log what WAF blocked or counted, drop the rest (every allowed request would be a log line with
    the caller's IP, for nothing)."""
    return {
        "DefaultBehavior": "DROP",
        "Filters": [
            {
                "Behavior": "KEEP",
                "Requirement": "MEETS_ANY",
                "Conditions": [
                    {"ActionCondition": {"Action": "BLOCK"}},
                    {"ActionCondition": {"Action": "COUNT"}},
                ],
            }
        ],
    }


def _alternatives(paths: tuple[str, ...]) -> str:
    return "|".join(path.lstrip("/") for path in paths)


def route_pattern(stage: str, exact: tuple[str, ...], under: tuple[str, ...] = ()) -> str:
    """A regex over the URI path: the routes `exact`, and `under` with anything below them, with or
    without the API stage's prefix (WAF on the stage sees `/<stage>/...`)."""
    parts = [f"(?:{_alternatives(exact)})"]
    if under:
        parts.append(f"(?:{_alternatives(under)})(?:/.*)?")
    return f"^(?:/{stage})?/(?:{'|'.join(parts)})$"


def _path_transformations() -> list[dict[str, Any]]:
    # %-encoded and doubled slashes, ./ and ../ cannot slip a route past the pattern.
    return [{"Priority": 0, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "NORMALIZE_PATH"}]


def _uri_matches(pattern: str) -> dict[str, Any]:
    return {
        "RegexMatchStatement": {
            "RegexString": pattern,
            "FieldToMatch": {"UriPath": {}},
            "TextTransformations": _path_transformations(),
        }
    }


def _method_is_write() -> dict[str, Any]:
    return {
        "RegexMatchStatement": {
            "RegexString": f"^(?:{'|'.join(WRITE_METHODS)})$",
            "FieldToMatch": {"Method": {}},
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def has_header(name: str) -> dict[str, Any]:
    """The request carries header `name` with a value (a missing header does not match)."""
    return {
        "SizeConstraintStatement": {
            "FieldToMatch": {"SingleHeader": {"Name": name.lower()}},
            "ComparisonOperator": "GT",
            "Size": 0,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _not(statement: dict[str, Any]) -> dict[str, Any]:
    return {"NotStatement": {"Statement": statement}}


def _and(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"AndStatement": {"Statements": list(statements)}}


def _visibility(metric: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


def _rate_limited_block() -> dict[str, Any]:
    return {
        "Block": {
            "CustomResponse": {
                "ResponseCode": 429,
                "CustomResponseBodyKey": RATE_LIMITED_BODY_KEY,
                "ResponseHeaders": [{"Name": "Retry-After", "Value": str(RATE_WINDOW_SECONDS)}],
            }
        }
    }


def web_acl_rules(prefix: str, stage: str, *, regional: bool) -> list[dict[str, Any]]:
    """The rules of one web ACL, in priority order.

    `regional`: the ACL on the API stage. There, requests that came through CloudFront (they carry
    the origin header) arrive from CloudFront's shared addresses and were already counted per viewer
    at the edge: the per-IP rule counts only the others (execute-api called directly). Forging the
    header to dodge it buys nothing: the app refuses a wrong origin secret before any other work.
    """
    writes = _and(
        _uri_matches(route_pattern(stage, RATE_LIMITED_EXACT, RATE_LIMITED_UNDER)), _method_is_write()
    )
    without_key = _not(has_header(STOREFRONT_KEY_HEADER))
    anonymous_scope = [writes, without_key]
    if regional:
        anonymous_scope.append(_not(has_header(ORIGIN_VERIFY_HEADER)))
    rules: list[dict[str, Any]] = [
        {
            "Name": "RateLimitAnonymousWrites",
            "Priority": 0,
            "Action": _rate_limited_block(),
            "Statement": {
                "RateBasedStatement": {
                    "Limit": ANONYMOUS_RATE_LIMIT,
                    "EvaluationWindowSec": RATE_WINDOW_SECONDS,
                    "AggregateKeyType": "IP",
                    "ScopeDownStatement": _and(*anonymous_scope),
                }
            },
            "VisibilityConfig": _visibility(f"{prefix}RateLimitAnonymousWrites"),
        },
        {
            "Name": "RateLimitStorefrontKeyWrites",
            "Priority": 1,
            "Action": _rate_limited_block(),
            "Statement": {
                "RateBasedStatement": {
                    "Limit": STOREFRONT_KEY_RATE_LIMIT,
                    "EvaluationWindowSec": RATE_WINDOW_SECONDS,
                    # One counter per key value (a request without the header is not counted here).
                    "AggregateKeyType": "CUSTOM_KEYS",
                    "CustomKeys": [
                        {
                            "Header": {
                                "Name": STOREFRONT_KEY_HEADER.lower(),
                                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                            }
                        }
                    ],
                    "ScopeDownStatement": _and(writes, has_header(STOREFRONT_KEY_HEADER)),
                }
            },
            "VisibilityConfig": _visibility(f"{prefix}RateLimitStorefrontKeyWrites"),
        },
        {
            "Name": COMMON_RULE_SET,
            "Priority": 2,
            "OverrideAction": {"None": {}},
            "Statement": {
                "ManagedRuleGroupStatement": {
                    "VendorName": "AWS",
                    "Name": COMMON_RULE_SET,
                    # Counted, not blocked: it only labels bodies over 8 KB; the next-but-one rule
                    # blocks them everywhere except the upload routes.
                    "RuleActionOverrides": [{"Name": SIZE_RESTRICTIONS_BODY, "ActionToUse": {"Count": {}}}],
                }
            },
            "VisibilityConfig": _visibility(f"{prefix}{COMMON_RULE_SET}"),
        },
        {
            "Name": KNOWN_BAD_INPUTS_RULE_SET,
            "Priority": 3,
            "OverrideAction": {"None": {}},
            "Statement": {
                "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": KNOWN_BAD_INPUTS_RULE_SET}
            },
            "VisibilityConfig": _visibility(f"{prefix}{KNOWN_BAD_INPUTS_RULE_SET}"),
        },
        {
            "Name": "LargeBodyOutsideUploads",
            "Priority": 4,
            "Action": {"Block": {}},
            "Statement": _and(
                {"LabelMatchStatement": {"Scope": "LABEL", "Key": SIZE_RESTRICTIONS_BODY_LABEL}},
                _not(_uri_matches(route_pattern(stage, LARGE_BODY_ROUTES))),
            ),
            "VisibilityConfig": _visibility(f"{prefix}LargeBodyOutsideUploads"),
        },
    ]
    return rules
