"""The edge in AWS (issue 16 §8): access logs without query strings or bodies, WAF on the distribution
and on the API stage, the origin header CloudFront adds.

Given the synthesised templates (conftest), when the edge resources are read, then they hold the
fields and rules infra/edge.py declares; the WAF rules' scope-down statements are evaluated here
against sample requests (a small interpreter of the statements the rules use).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest

from infra.edge import (
    ACCESS_LOG_FIELDS,
    ANONYMOUS_RATE_LIMIT,
    CLOUDFRONT_LOG_FIELDS,
    CLOUDFRONT_UNSAFE_FIELDS,
    COMMON_RULE_SET,
    KNOWN_BAD_INPUTS_RULE_SET,
    ORIGIN_VERIFY_HEADER,
    SIZE_RESTRICTIONS_BODY,
    SIZE_RESTRICTIONS_BODY_LABEL,
    STOREFRONT_KEY_HEADER,
    STOREFRONT_KEY_RATE_LIMIT,
    web_acl_rules,
)
from infra.stages import REGION
from tests.infra.conftest import Synthesis

Template = dict[str, Any]
STAGE = "api"  # .chalice/config.json api_gateway_stage


def _of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _one(template: Template, kind: str) -> tuple[str, dict[str, Any]]:
    found = _of_type(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


# -- a small interpreter of the WAF statements the rules use ---------------------------------------
@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    labels: frozenset[str] = frozenset()


def _transform(value: str, transformations: list[dict[str, Any]]) -> str:
    for step in sorted(transformations, key=lambda t: t["Priority"]):
        if step["Type"] == "URL_DECODE":
            value = unquote(value)
        elif step["Type"] == "NORMALIZE_PATH":
            value = posixpath.normpath(value) if value.startswith("/") else value
        else:
            assert step["Type"] == "NONE", step
    return value


def _field(request: Request, to_match: dict[str, Any]) -> str | None:
    if "UriPath" in to_match:
        return request.path
    if "Method" in to_match:
        return request.method
    name = to_match["SingleHeader"]["Name"]
    return next((v for k, v in request.headers.items() if k.lower() == name), None)


def matches(statement: dict[str, Any], request: Request) -> bool:
    ((kind, body),) = statement.items()
    if kind == "AndStatement":
        return all(matches(s, request) for s in body["Statements"])
    if kind == "OrStatement":
        return any(matches(s, request) for s in body["Statements"])
    if kind == "NotStatement":
        return not matches(body["Statement"], request)
    if kind == "LabelMatchStatement":
        return body["Key"] in request.labels
    value = _field(request, body["FieldToMatch"])
    if value is None:  # WAF: a missing header matches nothing
        return False
    value = _transform(value, body["TextTransformations"])
    if kind == "RegexMatchStatement":
        return re.search(body["RegexString"], value) is not None
    if kind == "SizeConstraintStatement":
        assert body["ComparisonOperator"] == "GT"
        return len(value.encode()) > body["Size"]
    raise AssertionError(f"no interpreter for {kind}")


def _rules(regional: bool) -> dict[str, dict[str, Any]]:
    return {r["Name"]: r for r in web_acl_rules("Test", STAGE, regional=regional)}


def _counted_by(request: Request, regional: bool = False) -> set[str]:
    """The rate-based rules whose scope-down counts `request`."""
    return {
        name
        for name, rule in _rules(regional).items()
        if "RateBasedStatement" in rule["Statement"]
        and matches(rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"], request)
    }


KEY = {STOREFRONT_KEY_HEADER: "sk_live_0123456789abcdef"}
VIA_CLOUDFRONT = {ORIGIN_VERIFY_HEADER: "x" * 64}
ANONYMOUS = "RateLimitAnonymousWrites"
PER_KEY = "RateLimitStorefrontKeyWrites"


@pytest.mark.parametrize(
    "path",
    [
        "/store/login",
        "/admin/login",
        "/store/register",
        "/store/contact",
        "/store/password/forgot",
        "/store/carts",
        "/store/carts/c-1/lines/p-1",
        "/store/carts/c-1/checkout",
        # what WAF on the API stage sees, and what must not slip past the pattern
        f"/{STAGE}/store/login",
        "/store//login",
        "/store/./login",
        "/store/%6Cogin",
    ],
)
def test_anonymous_writes_are_rate_limited_per_ip_and_keyed_ones_per_key(path: str) -> None:
    assert _counted_by(Request("POST", path)) == {ANONYMOUS}
    assert _counted_by(Request("PUT", path, KEY)) == {PER_KEY}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/store/carts/c-1"),  # reading a cart stays open, uncounted
        ("GET", "/store/login"),
        ("POST", "/store/loginx"),
        ("POST", "/store/cartsx"),
        ("POST", "/store/me/addresses"),
        ("PATCH", "/admin/customers/c-1"),
        ("POST", "/store/unsubscribe"),
    ],
)
def test_other_requests_are_not_rate_limited_by_waf(method: str, path: str) -> None:
    assert _counted_by(Request(method, path)) == set()
    assert _counted_by(Request(method, path, KEY)) == set()


def test_the_shops_server_has_a_much_higher_ceiling_than_one_ip() -> None:
    rules = _rules(regional=False)
    anonymous = rules[ANONYMOUS]["Statement"]["RateBasedStatement"]
    per_key = rules[PER_KEY]["Statement"]["RateBasedStatement"]
    assert anonymous["AggregateKeyType"] == "IP" and anonymous["Limit"] == ANONYMOUS_RATE_LIMIT
    assert per_key["AggregateKeyType"] == "CUSTOM_KEYS"
    assert per_key["CustomKeys"] == [
        {"Header": {"Name": "x-storefront-key", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}
    ]
    assert per_key["Limit"] == STOREFRONT_KEY_RATE_LIMIT >= 100 * ANONYMOUS_RATE_LIMIT
    for rule in (rules[ANONYMOUS], rules[PER_KEY]):
        response = rule["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429


def test_on_the_api_stage_only_direct_callers_are_counted_per_ip() -> None:
    # Through CloudFront the caller's address is CloudFront's (shared by many shoppers): counted per
    # viewer at the edge instead.
    login = f"/{STAGE}/store/login"
    assert _counted_by(Request("POST", login), regional=True) == {ANONYMOUS}
    assert _counted_by(Request("POST", login, VIA_CLOUDFRONT), regional=True) == set()
    assert _counted_by(Request("POST", login, {**VIA_CLOUDFRONT, **KEY}), regional=True) == {PER_KEY}
    # at the edge the header doesn't exist yet (CloudFront adds it after WAF): a viewer sending one
    # is still counted
    assert _counted_by(Request("POST", "/store/login", VIA_CLOUDFRONT)) == {ANONYMOUS}


@pytest.mark.parametrize("regional", [False, True])
def test_large_bodies_are_blocked_except_on_the_upload_routes(regional: bool) -> None:
    rules = _rules(regional)
    common = rules[COMMON_RULE_SET]
    assert common["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"] == [
        {"Name": SIZE_RESTRICTIONS_BODY, "ActionToUse": {"Count": {}}}
    ]
    block = rules["LargeBodyOutsideUploads"]
    assert block["Action"] == {"Block": {}} and block["Priority"] > common["Priority"]
    large = frozenset({SIZE_RESTRICTIONS_BODY_LABEL})
    prefix = f"/{STAGE}" if regional else ""
    for path in ("/store/contact", "/admin/customers/import"):
        assert not matches(block["Statement"], Request("POST", prefix + path, labels=large))
    for path in ("/store/register", "/admin/settings", "/store/contact/x", "/admin/customers/import2"):
        assert matches(block["Statement"], Request("POST", prefix + path, labels=large))
    assert not matches(block["Statement"], Request("POST", prefix + "/store/register"))


# -- the templates -----------------------------------------------------------------------------------
def test_every_stage_is_in_the_region_of_cloudfronts_waf(synthesis: Synthesis) -> None:
    manifest = json.loads((synthesis.outdir / "manifest.json").read_text())
    environments = {
        name: artifact["environment"]
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert environments and set(environments.values()) == {f"aws://unknown-account/{REGION}"}
    assert REGION == "us-east-1"


def test_web_acls_on_the_distribution_and_the_api_stage(synthesis: Synthesis, stage_name: str) -> None:
    template = synthesis.templates[stage_name]
    acls = {
        props["Properties"]["Scope"]: (k, props["Properties"])
        for k, props in _of_type(template, "AWS::WAFv2::WebACL").items()
    }
    assert set(acls) == {"CLOUDFRONT", "REGIONAL"}
    for scope, (_, acl) in acls.items():
        assert acl["DefaultAction"] == {"Allow": {}}
        rules = {r["Name"]: r for r in acl["Rules"]}
        assert [r["Priority"] for r in acl["Rules"]] == sorted({r["Priority"] for r in acl["Rules"]})
        groups = {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]
            for r in acl["Rules"]
            if "ManagedRuleGroupStatement" in r["Statement"]
        }
        assert groups == {COMMON_RULE_SET, KNOWN_BAD_INPUTS_RULE_SET}
        assert {ANONYMOUS, PER_KEY, "LargeBodyOutsideUploads"} <= set(rules)
        expected = web_acl_rules(acl["Name"], STAGE, regional=scope == "REGIONAL")
        assert acl["Rules"] == expected, scope
        body = json.loads(acl["CustomResponseBodies"]["rate-limited"]["Content"])
        assert set(body) == {"Code", "Message"}

    # CLOUDFRONT on the distribution
    _, distribution = _one(template, "AWS::CloudFront::Distribution")
    edge_id = acls["CLOUDFRONT"][0]
    assert distribution["Properties"]["DistributionConfig"]["WebACLId"] == {"Fn::GetAtt": [edge_id, "Arn"]}
    # REGIONAL on the API stage (SAM's RestAPI.Stage: the association waits for the stage)
    _, association = _one(template, "AWS::WAFv2::WebACLAssociation")
    props = association["Properties"]
    assert props["WebACLArn"] == {"Fn::GetAtt": [acls["REGIONAL"][0], "Arn"]}
    parts = props["ResourceArn"]["Fn::Join"][1]
    assert {"Ref": "RestAPI"} in parts and {"Ref": "RestAPI.Stage"} in parts
    assert f":apigateway:{REGION}::/restapis/" in "".join(p for p in parts if isinstance(p, str))


def test_cloudfront_adds_the_origin_secret_on_the_api_origin_only(
    synthesis: Synthesis, stage_name: str
) -> None:
    template = synthesis.templates[stage_name]
    _, distribution = _one(template, "AWS::CloudFront::Distribution")
    secrets = {
        props["Properties"]["Name"]: k
        for k, props in _of_type(template, "AWS::SecretsManager::Secret").items()
    }
    secret_id = secrets[f"clientele/{stage_name}/origin-secret"]
    for origin in distribution["Properties"]["DistributionConfig"]["Origins"]:
        headers = origin.get("OriginCustomHeaders", [])
        if "S3OriginConfig" in origin:
            assert headers == []
            continue
        (header,) = headers
        assert header["HeaderName"] == ORIGIN_VERIFY_HEADER
        # a dynamic reference CloudFormation resolves at deploy time, never the value itself
        assert header["HeaderValue"] == {
            "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:::}}"]]
        }


def test_api_access_logs_keep_no_query_string_body_or_header(synthesis: Synthesis, stage_name: str) -> None:
    template = synthesis.templates[stage_name]
    api = template["Resources"]["RestAPI"]["Properties"]
    setting = api["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert fields == ACCESS_LOG_FIELDS
    assert set(fields) == {
        "requestId",
        "ip",
        "caller",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
        "integrationLatency",
    }
    for variable in fields.values():
        # $context.path is the request's path (a token in a path would land there); $input, $request
        # and requestOverride would be bodies, headers, query strings
        assert variable.startswith("$context.") and variable != "$context.path", variable
        assert not re.search(r"querystring|header|body|input|requestoverride|authorizer", variable, re.I)
    log_group_id = setting["DestinationArn"]["Fn::GetAtt"][0]
    log_group = template["Resources"][log_group_id]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    expected_days = {"dev": 14, "prod": 90}[stage_name]
    assert log_group["Properties"]["RetentionInDays"] == expected_days
    # execution logs (whole requests and responses) stay off
    (method,) = api["MethodSettings"]
    assert method["DataTraceEnabled"] is False and method["LoggingLevel"] == "OFF"
    _, account = _one(template, "AWS::ApiGateway::Account")
    assert account["DeletionPolicy"] == "Retain"
    assert "ApiGatewayAccount" in str(template["Resources"]["RestAPI"].get("DependsOn"))


def test_cloudfront_logs_drop_query_strings(synthesis: Synthesis, stage_name: str) -> None:
    template = synthesis.templates[stage_name]
    distribution_id, distribution = _one(template, "AWS::CloudFront::Distribution")
    assert "Logging" not in distribution["Properties"]["DistributionConfig"]  # legacy logs keep queries
    _, source = _one(template, "AWS::Logs::DeliverySource")
    assert source["Properties"]["LogType"] == "ACCESS_LOGS"
    assert {"Ref": distribution_id} in source["Properties"]["ResourceArn"]["Fn::Join"][1]
    _, destination = _one(template, "AWS::Logs::DeliveryDestination")
    bucket_id = destination["Properties"]["DestinationResourceArn"]["Fn::GetAtt"][0]
    assert bucket_id.startswith("AccessLogs")
    _, delivery = _one(template, "AWS::Logs::Delivery")
    fields = delivery["Properties"]["RecordFields"]
    assert fields == list(CLOUDFRONT_LOG_FIELDS)
    assert not set(fields) & set(CLOUDFRONT_UNSAFE_FIELDS)
    assert "cs-uri-stem" in fields and "c-ip" in fields
    policy = [
        s
        for p in _of_type(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"} for s in policy)


def test_waf_logs_keep_blocked_requests_only_and_no_credential(synthesis: Synthesis, stage_name: str) -> None:
    template = synthesis.templates[stage_name]
    acls = {k: v["Properties"] for k, v in _of_type(template, "AWS::WAFv2::WebACL").items()}
    configs = {
        c["Properties"]["ResourceArn"]["Fn::GetAtt"][0]: c
        for c in _of_type(template, "AWS::WAFv2::LoggingConfiguration").values()
    }
    assert set(configs) == set(acls)
    log_groups = {
        v["Properties"].get("LogGroupName"): k for k, v in _of_type(template, "AWS::Logs::LogGroup").items()
    }
    for acl_id, config in configs.items():
        props = config["Properties"]
        redacted = props["RedactedFields"]
        for header in ("authorization", "x-storefront-key", "x-cart-token", "x-clientele-origin-verify"):
            assert {"SingleHeader": {"Name": header}} in redacted, header
        assert {"QueryString": {}} in redacted
        assert props["LoggingFilter"]["DefaultBehavior"] == "DROP"
        (keep,) = props["LoggingFilter"]["Filters"]
        assert keep["Behavior"] == "KEEP"
        assert {c["ActionCondition"]["Action"] for c in keep["Conditions"]} == {"BLOCK", "COUNT"}
        (destination,) = props["LogDestinationConfigs"]
        name = f"aws-waf-logs-{acls[acl_id]['Name']}"
        assert destination["Fn::Join"][1][-1] == f":log-group:{name}"
        group = template["Resources"][log_groups[name]]
        assert group["Properties"]["RetentionInDays"] == {"dev": 14, "prod": 90}[stage_name]
        assert log_groups[name] in config["DependsOn"]


def test_the_api_is_regional_behind_the_projects_own_distribution(
    synthesis: Synthesis, stage_name: str
) -> None:
    # An edge-optimized API would put API Gateway's own CloudFront between ours and the stage.
    api = synthesis.templates[stage_name]["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
