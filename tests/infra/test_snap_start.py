"""SnapStart (issue 19 goal 2): on in the stages that ask for it, and wired so it takes effect.

SnapStart restores published versions only, so the flag alone changes nothing: these tests check that
every function publishes its `live` alias and that whatever invokes a function — API Gateway's
integrations and permission, the EventBridge rules of the schedules and S3 events, the asynchronous
invoke configuration — names that alias, never the unqualified function ($LATEST).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from infra.snap_start import LIVE_ALIAS, OLDEST_SNAP_START_PYTHON, SNAP_START, alias_of
from infra.stages import cdk_context, stages
from tests.infra.conftest import Synthesis

Template = dict[str, Any]
# The function event types of the app, which SAM attaches to the alias when AutoPublishAlias is set
# (rule target and invoke permission). Another kind must be checked before it is added here.
EVENTS_SAM_ALIASES = {"Schedule", "CloudWatchEvent"}
# A function's CloudWatch metrics by FunctionName add up every version: alarms rightly name the function.
UNQUALIFIED_REFERENCES_ALLOWED = {"AWS::CloudWatch::Alarm"}


def _snap_start_of(stage_name: str) -> bool:
    return next(s.snap_start for s in stages(cdk_context()) if s.name == stage_name)


def _functions(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _references(node: Any) -> Iterator[str]:
    """Every resource reference in a template fragment: `Ref` targets, `Fn::GetAtt` as `Id.Attr`, and
    the `${...}` of `Fn::Sub` strings (SAM's `Fn.Alias` is spelt the same way in all three)."""
    if isinstance(node, list):
        for item in node:
            yield from _references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt" and isinstance(value, list):
                yield ".".join(value)
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
                yield from (name for name in re.findall(r"\$\{([^}!]+)\}", text) if name not in variables)
                yield from _references(variables)
            else:
                yield from _references(value)


def _integration_uris(template: Template) -> list[Any]:
    definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    return [
        operation["x-amazon-apigateway-integration"]["uri"]
        for operations in definition["paths"].values()
        for operation in operations.values()
        if "x-amazon-apigateway-integration" in operation
    ]


def test_snap_start_is_on_in_production_only() -> None:
    assert {stage.name: stage.snap_start for stage in stages(cdk_context())} == {"dev": False, "prod": True}


def test_every_function_snapshots_its_published_versions_behind_the_live_alias(
    synthesis: Synthesis, stage_name: str
) -> None:
    functions = _functions(synthesis.templates[stage_name])

    assert functions
    for logical_id, function in functions.items():
        if not _snap_start_of(stage_name):
            assert not {"SnapStart", "AutoPublishAlias"} & set(function), logical_id
            continue
        assert function["SnapStart"] == SNAP_START == {"ApplyOn": "PublishedVersions"}, logical_id
        assert function["AutoPublishAlias"] == LIVE_ALIAS, logical_id
        # Any change publishes a version (a new timeout too), so the alias runs what the template says.
        assert function["AutoPublishAliasAllProperties"] is True, logical_id
        runtime = tuple(int(part) for part in function["Runtime"].removeprefix("python").split("."))
        assert runtime >= OLDEST_SNAP_START_PYTHON, f"{logical_id}: no SnapStart on {function['Runtime']}"


def test_whatever_invokes_a_function_invokes_its_alias(synthesis: Synthesis) -> None:
    stage_name = next(stage.name for stage in stages(cdk_context()) if stage.snap_start)
    template = synthesis.templates[stage_name]
    functions = _functions(template)

    # Every other resource that names a function names its alias (a rule, permission, notification or
    # invoke configuration on the bare function would invoke or configure $LATEST).
    unqualified = {
        (logical_id, reference)
        for logical_id, resource in template["Resources"].items()
        if logical_id not in functions and resource["Type"] not in UNQUALIFIED_REFERENCES_ALLOWED
        for reference in _references(resource)
        if reference.split(".")[0] in functions and reference != alias_of(reference.split(".")[0])
    }
    assert unqualified == set()
    # API Gateway: each route's integration, and the permission it invokes with.
    uris = _integration_uris(template)
    assert uris and all(
        uri
        == {
            "Fn::Sub": [
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${APIHandlerAlias}/invocations",
                {"APIHandlerAlias": {"Ref": alias_of("APIHandler")}},
            ]
        }
        for uri in uris
    )
    permissions = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Permission"
    ]
    api_gateway = [p for p in permissions if p["Principal"] == "apigateway.amazonaws.com"]
    assert api_gateway and {p["FunctionName"]["Ref"] for p in api_gateway} == {alias_of("APIHandler")}
    # Schedules and S3 object-created events: the functions' own SAM events, which SAM points at the
    # alias; none is a rule of its own.
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    event_kinds = {event["Type"] for f in functions.values() for event in f.get("Events", {}).values()}
    assert event_kinds and event_kinds <= EVENTS_SAM_ALIASES
    # Asynchronous retries and the dead-letter destination: SAM's property, which SAM qualifies with
    # the alias; no configuration of $LATEST.
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    for logical_id, function in functions.items():
        if function.get("Events"):
            destination = function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
            assert destination["Type"] == "SQS", logical_id


def test_without_snap_start_the_functions_are_invoked_unqualified(synthesis: Synthesis) -> None:
    stage_name = next(stage.name for stage in stages(cdk_context()) if not stage.snap_start)
    template = synthesis.templates[stage_name]

    assert {uri["Fn::Sub"] for uri in _integration_uris(template)} == {
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "${APIHandler.Arn}/invocations"
    }
    qualifiers = {
        resource["Properties"]["Qualifier"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::EventInvokeConfig"
    }
    assert qualifiers == {"$LATEST"}
